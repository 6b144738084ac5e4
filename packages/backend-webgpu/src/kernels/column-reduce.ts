// Column reductions over (T, C) rows without atomics: a workgroup owns COLS adjacent columns; its SLICES row slices
// each sum every SLICES-th row in order, then a fixed tree in workgroup memory adds the slices, and one invocation
// per column adds the total into the output. Race-free (each output column has one writer) and deterministic.
// Serves columnSums and the weight/bias gradients of the norms.
import { type ColumnSumsArgs, checkColumnSumsArgs } from '@lora/core';
import { FLAT_INDEX, groups1d, type ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';

const COLS = 32;
const SLICES = 8;

/** One accumulated output: `out[c] += Σ_r term`, the term a WGSL f32 expression of r, c and i = r·cols + c. */
export interface ColumnTerm {
  out: string;
  term: string;
}

/**
 * A program adding column sums into each term's output (declared in `arrays` with write). Uniforms: rows, cols;
 * dispatch with columnGroups(cols).
 */
export function columnProgram(
  key: string,
  arrays: ProgramSpec['arrays'],
  terms: readonly ColumnTerm[],
): ProgramSpec {
  const shared = terms.map((_, k) => `var<workgroup> red${k}: array<f32, ${COLS * SLICES}>;`).join('\n');
  const init = terms.map((_, k) => `  var acc${k} = 0.0;`).join('\n');
  const add = terms.map((t, k) => `      acc${k} += ${t.term};`).join('\n');
  const store = terms.map((_, k) => `  red${k}[li] = acc${k};`).join('\n');
  const fold = terms
    .map((_, k) => `      red${k}[li] = red${k}[li] + red${k}[li + s * ${COLS}u];`)
    .join('\n');
  const write = terms.map((t, k) => `    st_${t.out}(c, ld_${t.out}(c) + red${k}[lid.x]);`).join('\n');
  return {
    key,
    arrays,
    uniforms: [
      { name: 'rows', type: 'u32' },
      { name: 'cols', type: 'u32' },
    ],
    body: `${FLAT_INDEX}
${shared}
@compute @workgroup_size(${COLS}, ${SLICES})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let c = flat_group(wid, nwg) * ${COLS}u + lid.x;
  let li = lid.y * ${COLS}u + lid.x;
${init}
  if (c < p.cols) {
    for (var r = lid.y; r < p.rows; r += ${SLICES}u) {
      let i = r * p.cols + c;
${add}
    }
  }
${store}
  workgroupBarrier();
  for (var s = ${SLICES / 2}u; s > 0u; s = s >> 1u) {
    if (lid.y < s) {
${fold}
    }
    workgroupBarrier();
  }
  if (lid.y == 0u && c < p.cols) {
${write}
  }
}
`,
  };
}

/** Workgroup counts of a column program over `cols` columns. */
export function columnGroups(cols: number): [number, number, number] {
  return groups1d(cols, COLS);
}

const COLUMN_SUMS = columnProgram(
  'columnSums',
  [
    { name: 'x', type: 'f32' },
    { name: 'outAccumulate', type: 'f32', write: true },
  ],
  [{ out: 'outAccumulate', term: 'ld_x(i)' }],
);

export function columnSums(gpu: WebGpuState, args: ColumnSumsArgs): void {
  checkColumnSumsArgs(args);
  const { rows, cols } = args;
  gpu.programs.run(
    COLUMN_SUMS,
    { x: args.x, outAccumulate: args.outAccumulate },
    { rows, cols },
    columnGroups(cols),
  );
}
