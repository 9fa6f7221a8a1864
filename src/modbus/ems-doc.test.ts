/** docs/modbus-ems.{md,json} stay in step with the map the server serves. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EMS_JSON_PATH,
  EMS_MD_PATH,
  emsMapDocument,
  normaliseMarkdown,
  withGeneratedSection,
} from './ems-doc.ts';

const fix = 'run `npx tsx src/modbus/ems-doc.ts --write` and commit the docs';

describe('EMS map documentation', () => {
  it(`docs/modbus-ems.json is generated from the server's map (${fix})`, () => {
    expect(JSON.parse(readFileSync(EMS_JSON_PATH, 'utf8'))).toEqual(emsMapDocument());
  });

  it(`docs/modbus-ems.md holds the generated register tables (${fix})`, () => {
    const md = readFileSync(EMS_MD_PATH, 'utf8');
    expect(normaliseMarkdown(md)).toBe(normaliseMarkdown(withGeneratedSection(md)));
  });
});
