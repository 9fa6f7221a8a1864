/** Which session file format a text is, from its header row (never from the file name). */
import { acnDataFormat } from './acn-data-format.ts';
import { acnSimFormat } from './acn-sim-format.ts';
import { columnKey, headerOf } from './csv-table.ts';
import { dundeeFormat } from './dundee-format.ts';
import { fuseboxFormat } from './fusebox-format.ts';
import { genericFormat } from './generic-format.ts';
import { norway12Format } from './norway-12-format.ts';
import { perthKinrossFormat } from './perth-kinross-format.ts';
import type { SessionFormatSpec } from './session-format.ts';
import { trondheimFormat } from './trondheim-format.ts';

/** Most specific first: a file that carries extra columns of a richer format is read as that format. */
export const FORMAT_SPECS: readonly SessionFormatSpec[] = [
  acnSimFormat,
  acnDataFormat,
  trondheimFormat,
  norway12Format,
  dundeeFormat,
  perthKinrossFormat,
  fuseboxFormat,
  genericFormat,
];

/** The format whose required columns all appear in the header, or null. */
export function detectFormat(text: string): SessionFormatSpec | null {
  for (const spec of FORMAT_SPECS) {
    const have = new Set(headerOf(text, spec.delimiter).map(columnKey));
    if (spec.columns.every((c) => have.has(columnKey(c)))) return spec;
  }
  return null;
}
