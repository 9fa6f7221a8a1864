/** The EMS map of one site: circuits and ports numbered by their order in the config, and the address table. */
import type { EmsBlockSpec, EmsRegisterSpec } from './ems-map-spec.ts';
import { EMS_BLOCKS, MAX_EMS_CIRCUITS, MAX_EMS_PORTS } from './ems-map-spec.ts';

export interface EmsLayoutInput {
  /** Circuits in config order, with their configured per-phase limit (the most an EMS command may set). */
  readonly circuits: readonly { readonly id: string; readonly limitA: number }[];
  /** Ports in config order (stations in order, then each station's ports). */
  readonly ports: readonly { readonly id: string }[];
  /** The root circuit's limit: the most a site limit command may set. */
  readonly siteLimitA: number;
  readonly siteLimitKw?: number | undefined;
}

/** One register of the site's map: which spec, which element, which word of a 32-bit value. */
export interface EmsAddress {
  readonly block: EmsBlockSpec;
  readonly register: EmsRegisterSpec;
  /** Element index for circuits and ports; 0 otherwise. */
  readonly index: number;
  /** 0 = high word (or a 16-bit register), 1 = low word. */
  readonly word: 0 | 1;
}

export interface EmsLayout {
  readonly input: EmsLayoutInput;
  readonly hash: number;
  readonly addresses: ReadonlyMap<number, EmsAddress>;
}

/** The site has more circuits or ports than the map holds. */
export class EmsLayoutError extends Error {
  constructor(
    message: string,
    readonly count: number,
  ) {
    super(message);
    this.name = 'EmsLayoutError';
  }
}

/** FNV-1a over the ids, folded to 16 bits: lets an EMS notice that the numbering changed. */
export function layoutHash(input: EmsLayoutInput): number {
  let h = 0x811c9dc5;
  const text = [...input.circuits.map((c) => `c:${c.id}`), ...input.ports.map((p) => `p:${p.id}`)].join('\n');
  for (const ch of Buffer.from(text, 'utf8')) {
    h ^= ch;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return ((h >>> 16) ^ (h & 0xffff)) & 0xffff;
}

/** Builds the address table of a site. */
export function buildEmsLayout(input: EmsLayoutInput): EmsLayout {
  if (input.circuits.length > MAX_EMS_CIRCUITS) {
    throw new EmsLayoutError(
      `the EMS map holds ${MAX_EMS_CIRCUITS} circuits, the site has ${input.circuits.length}`,
      input.circuits.length,
    );
  }
  if (input.ports.length > MAX_EMS_PORTS) {
    throw new EmsLayoutError(
      `the EMS map holds ${MAX_EMS_PORTS} ports, the site has ${input.ports.length}`,
      input.ports.length,
    );
  }
  const addresses = new Map<number, EmsAddress>();
  for (const block of EMS_BLOCKS) {
    const count =
      block.countRegister === 'circuitCount'
        ? input.circuits.length
        : block.countRegister === 'portCount'
          ? input.ports.length
          : 1;
    for (let index = 0; index < count; index++) {
      for (const register of block.registers) {
        const at = block.base + index * (block.stride ?? 0) + register.offset;
        addresses.set(at, { block, register, index, word: 0 });
        if (register.type !== 'u16') addresses.set(at + 1, { block, register, index, word: 1 });
      }
    }
  }
  return { input, hash: layoutHash(input), addresses };
}

/**
 * The layout input from the site config: circuits in file order (`circuits:`), ports in config order
 * (stations in order, each station's ports in order). The first root circuit (no parent) is the site: its
 * limits bound the site limit commands.
 */
export function emsLayoutInputOf(
  circuitsInFileOrder: readonly {
    readonly id: string;
    readonly parent?: string | undefined;
    readonly limitA: number;
    readonly limitKw?: number | undefined;
  }[],
  portsInConfigOrder: readonly { readonly id: string }[],
): EmsLayoutInput {
  const root = circuitsInFileOrder.find((c) => c.parent === undefined) ?? circuitsInFileOrder[0];
  return {
    circuits: circuitsInFileOrder.map((c) => ({ id: c.id, limitA: c.limitA })),
    ports: portsInConfigOrder.map((p) => ({ id: p.id })),
    siteLimitA: root?.limitA ?? 0,
    siteLimitKw: root?.limitKw,
  };
}
