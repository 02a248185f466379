import {
  all,
  asset,
  daily,
  hourly,
  identity,
  input,
  monthly,
  offset,
  rollup,
  self,
  source,
  window,
  type Codec,
  type Definition,
  type PartitionMapping,
  type Upstream,
} from '../../src/index.js';

/** A codec for small integers (canonical decimal text). */
export const intCodec: Codec<number> = {
  name: 'int',
  encode: (n) => new TextEncoder().encode(String(n)),
  decode: (b) => Number(new TextDecoder().decode(b)),
};

/** The value that makes a compute throw (a "corrupt input"). */
export const POISON = 666;

/** How one generated asset reads its upstreams. */
export interface AssetShape {
  readonly grain: 'daily' | 'monthly' | 'unpartitioned';
  /** Upstream positions (into the list built so far, 0 = the hourly source) and a mapping choice. */
  readonly inputs: ReadonlyArray<{ readonly from: number; readonly choice: number }>;
  /** Reads its own previous day too. */
  readonly selfOffset: boolean;
  /** Output is the input sum modulo this: small moduli make early cutoff frequent. */
  readonly modulus: number;
}

function mappingFor(upGrain: string, downGrain: string, choice: number): { mapping: PartitionMapping; many: boolean } | undefined {
  if (downGrain === 'unpartitioned') return upGrain === 'unpartitioned' ? { mapping: identity(), many: false } : { mapping: all(), many: true };
  if (upGrain === 'unpartitioned') return undefined;
  if (upGrain === 'hourly') return { mapping: rollup(), many: true };
  if (upGrain === downGrain) return choice % 3 === 0 ? { mapping: identity(), many: false } : choice % 3 === 1 ? { mapping: window(1 + (choice % 4)), many: true } : { mapping: offset(-1 - (choice % 2)), many: false };
  if (upGrain === 'daily' && downGrain === 'monthly') return { mapping: rollup(), many: true };
  return undefined;
}

/**
 * Builds a random pipeline over one hourly source: each asset sums what it reads (plus its own
 * previous partition when self-dependent) modulo a small number, and throws on {@link POISON}.
 */
export function buildGraph(shapes: readonly AssetShape[], start: string, version = (_i: number) => 'v1'): Definition[] {
  const defs: Definition[] = [source<number>({ key: 'src', partitions: hourly({ start }), codec: intCodec })];
  const grains: string[] = ['hourly'];
  shapes.forEach((shape, n) => {
    const inputs: Record<string, unknown> = {};
    const manyNames = new Set<string>();
    shape.inputs.forEach(({ from, choice }, k) => {
      const pos = from % defs.length;
      const m = mappingFor(grains[pos] as string, shape.grain, choice);
      if (!m) return;
      const name = `in${k}`;
      inputs[name] = input(defs[pos] as Upstream<number>, m.mapping);
      if (m.many) manyNames.add(name);
    });
    if (Object.keys(inputs).length === 0) {
      const m = mappingFor('hourly', shape.grain, 0) as { mapping: PartitionMapping; many: boolean };
      inputs['in0'] = input(defs[0] as Upstream<number>, m.mapping);
      manyNames.add('in0');
    }
    if (shape.selfOffset && shape.grain !== 'unpartitioned') inputs['prev'] = self<number>(offset(-1));
    const modulus = shape.modulus;
    defs.push(
      asset({
        key: `a${n}`,
        partitions: shape.grain === 'daily' ? daily({ start }) : shape.grain === 'monthly' ? monthly({ start: start.slice(0, 7) }) : undefined,
        inputs: inputs as Record<string, Upstream<number>>,
        codec: intCodec,
        version: version(n),
        compute: (values) => {
          let sum = 0;
          for (const [name, v] of Object.entries(values as Record<string, unknown>)) {
            const list = manyNames.has(name) ? [...(v as Map<string, number>).values()] : v === undefined ? [] : [v as number];
            for (const x of list) {
              if (x === POISON) throw new Error(`corrupt input ${name}: ${x}`);
              sum += x;
            }
          }
          return sum % modulus;
        },
      }),
    );
    grains.push(shape.grain);
  });
  return defs;
}
