/**
 * docs/modbus-ems.json and the register tables of docs/modbus-ems.md, generated from ems-map-spec.ts (the
 * data the server uses). `npx tsx src/modbus/ems-doc.ts --write` rewrites them; a test keeps them in step.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ALARM_BITS,
  EMS_BLOCKS,
  EMS_MAGIC,
  EMS_MAP_VERSION,
  MAX_EMS_CIRCUITS,
  MAX_EMS_PORTS,
  NO_LIMIT,
  PORT_STATES,
  S32_NOT_AVAILABLE,
  STATUS_BITS,
  U32_NOT_AVAILABLE,
} from './ems-map-spec.ts';

export const DOCS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');
export const EMS_JSON_PATH = join(DOCS_DIR, 'modbus-ems.json');
export const EMS_MD_PATH = join(DOCS_DIR, 'modbus-ems.md');
const START = '<!-- generated from src/modbus/ems-map-spec.ts: start -->';
const END = '<!-- generated from src/modbus/ems-map-spec.ts: end -->';

/** The machine-readable map. Addresses are 0-based (as on the wire); mbpoll and some EMSs number from 1. */
export function emsMapDocument(): unknown {
  return {
    name: 'Fusebox EMS register map',
    version: `${EMS_MAP_VERSION.major}.${EMS_MAP_VERSION.minor}`,
    addressing:
      '0-based protocol addresses; holding registers (FC3) and input registers (FC4) read the same map',
    magic: EMS_MAGIC,
    byteOrder: '32-bit values: high word first, big-endian bytes',
    notAvailable: { s32: S32_NOT_AVAILABLE, u32: U32_NOT_AVAILABLE },
    noLimit: NO_LIMIT,
    limits: { circuits: MAX_EMS_CIRCUITS, ports: MAX_EMS_PORTS },
    exceptions: {
      1: 'illegal function: writes are disabled, or an unsupported function code',
      2: 'illegal data address: unknown register, or a write to a read-only register',
      3: 'illegal data value: a value outside the allowed range (nothing is written)',
    },
    blocks: EMS_BLOCKS.map((b) => ({
      name: b.name,
      title: b.title,
      base: b.base,
      ...(b.stride !== undefined ? { stride: b.stride, countRegister: b.countRegister } : {}),
      registers: b.registers.map((r) => ({ ...r, words: r.type === 'u16' ? 1 : 2 })),
    })),
    statusBits: STATUS_BITS.map(([bit, name, description]) => ({ bit, name, description })),
    alarmBits: ALARM_BITS.map(([bit, name, description]) => ({ bit, name, description })),
    portStates: PORT_STATES.map(([value, name]) => ({ value, name })),
  };
}

/** The generated part of docs/modbus-ems.md. */
export function emsMapMarkdown(): string {
  const out: string[] = [START, ''];
  for (const b of EMS_BLOCKS) {
    out.push(`### ${b.title}`, '');
    out.push('| address | register (1-based) | name | type | scale | unit | access | description |');
    out.push('|---|---|---|---|---|---|---|---|');
    for (const r of b.registers) {
      const at = b.base + r.offset;
      const addr = b.stride !== undefined ? `${b.base} + ${b.stride}k + ${r.offset}` : String(at);
      const one = b.stride !== undefined ? `${at + 1} + ${b.stride}k` : String(at + 1);
      out.push(
        `| ${addr} | ${one} | ${r.name} | ${r.type} | ${r.scale} | ${r.unit} | ${r.access === 'rw' ? 'read/write' : 'read'} | ${r.description} |`,
      );
    }
    out.push('');
  }
  out.push('### Status bits (register 101)', '', '| bit | name | meaning |', '|---|---|---|');
  for (const [bit, name, d] of STATUS_BITS) out.push(`| ${bit} | ${name} | ${d} |`);
  out.push('', '### Alarm bits (register 102)', '', '| bit | name | meaning |', '|---|---|---|');
  for (const [bit, name, d] of ALARM_BITS) out.push(`| ${bit} | ${name} | ${d} |`);
  out.push('', '### Port states', '', '| value | state |', '|---|---|');
  for (const [value, name] of PORT_STATES) out.push(`| ${value} | ${name} |`);
  out.push('', END);
  return out.join('\n');
}

/** The markdown file with its generated section replaced. */
export function withGeneratedSection(markdown: string): string {
  const a = markdown.indexOf(START);
  const b = markdown.indexOf(END);
  if (a < 0 || b < a) throw new Error(`docs/modbus-ems.md has no generated section (${START} ... ${END})`);
  return markdown.slice(0, a) + emsMapMarkdown() + markdown.slice(b + END.length);
}

/** Markdown compared as prettier leaves it: table cells trimmed, separator rows shortened. */
export function normaliseMarkdown(md: string): string {
  return md
    .split('\n')
    .map((line) =>
      line.startsWith('|') ? line.replace(/ *\| */g, '|').replace(/-{3,}/g, '---') : line.trimEnd(),
    )
    .join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv.includes('--write')) {
  // Written as prettier formats it, so `prettier --check .` stays green.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(EMS_MD_PATH)) ?? {};
  const json = await prettier.format(JSON.stringify(emsMapDocument()), { ...options, parser: 'json' });
  writeFileSync(EMS_JSON_PATH, json);
  const md = withGeneratedSection(readFileSync(EMS_MD_PATH, 'utf8'));
  writeFileSync(EMS_MD_PATH, await prettier.format(md, { ...options, parser: 'markdown' }));
  console.log(`wrote ${EMS_JSON_PATH} and ${EMS_MD_PATH}`);
}
