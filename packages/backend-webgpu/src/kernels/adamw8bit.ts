// One bitsandbytes 8-bit blockwise AdamW step (kOptimizerStatic8bit2StateBlockwise, ADAM) on webgpu: one workgroup
// per block of 256, one invocation per element, as the CUDA kernel runs it. Each invocation dequantizes its two
// moments and updates them; the workgroup reduces the block's new absmax in a fixed tree; each invocation updates its
// param and requantizes (bitsandbytes' binary search over the map, the first moment's sign kept); then 64 invocations
// store the block's codes a word (4 codes) at a time, keeping the bytes of a last partial word that lie past n.
// The step's scalars are float32 uniforms computed on the host in float64, as the reference computes them. With
// gradScale the factor is read on the device; a non-finite one skips the update (every invocation still reaches the
// barriers, so it only gates the stores).
import { ADAMW8BIT_BLOCKSIZE, type Adamw8bitArgs, checkAdamw8bitArgs } from '@lora/core';
import type { GpuArray } from '../arrays.js';
import { WebGpuError } from '../gpu-device.js';
import { FLAT_INDEX, groups1d, type ProgramSpec } from '../program.js';
import type { WebGpuState } from '../state.js';
import { NON_FINITE, ROUNDED } from './flat-program.js';

const WG = ADAMW8BIT_BLOCKSIZE;

/** bitsandbytes' quantize_2D over one map (ld_qmap1 or ld_qmap2), from `lowerStart` (−1 signed, 0 unsigned). */
const quantize = (name: string, map: string, lowerStart: string) => `
fn ${name}(x: f32) -> u32 {
  var pivot = 127u;
  var upper_pivot = 255u;
  var lower_pivot = 0u;
  var lower = ${lowerStart};
  var upper = 1.0;
  var val = ld_${map}(pivot);
  for (var i = 64u; i > 0u; i = i >> 1u) {
    if (x > val) { lower_pivot = pivot; lower = val; pivot = pivot + i; }
    else { upper_pivot = pivot; upper = val; pivot = pivot - i; }
    val = ld_${map}(pivot);
  }
  if (x > val) {
    if (x > rounded((upper + val) * 0.5)) { return upper_pivot; }
    return pivot;
  }
  if (x < rounded((lower + val) * 0.5)) { return lower_pivot; }
  return pivot;
}
`;

const ADAMW8BIT: ProgramSpec = {
  key: 'adamw8bit',
  arrays: [
    { name: 'param', type: 'f32', write: true },
    { name: 'grad', type: 'f32' },
    { name: 'state1', type: 'u8', write: true },
    { name: 'state2', type: 'u8', write: true },
    { name: 'absmax1', type: 'f32', write: true },
    { name: 'absmax2', type: 'f32', write: true },
    { name: 'qmap1', type: 'f32' },
    { name: 'qmap2', type: 'f32' },
    { name: 'gradScale', type: 'f32', optional: true },
  ],
  uniforms: [
    { name: 'n', type: 'u32' },
    { name: 'blocks', type: 'u32' },
    { name: 'scaled', type: 'u32' }, // 1 when gradScale is given
    { name: 'beta1', type: 'f32' },
    { name: 'beta2', type: 'f32' },
    { name: 'rest1', type: 'f32' }, // 1 − β1
    { name: 'rest2', type: 'f32' }, // 1 − β2
    { name: 'stepSize', type: 'f32' }, // −lr · √(1 − β2^t) / (1 − β1^t)
    { name: 'epsScaled', type: 'f32' }, // eps · √(1 − β2^t)
    { name: 'decay', type: 'f32' }, // 1 − lr · wd, or 1 for none
    { name: 'zero', type: 'u32' },
  ],
  body: `${FLAT_INDEX}${ROUNDED}${NON_FINITE}
fn signbit(v: f32) -> bool { return (bitcast<u32>(v) >> 31u) != 0u; }
${quantize('quantize1', 'qmap1', '-1.0')}${quantize('quantize2', 'qmap2', '0.0')}
var<workgroup> red1: array<f32, ${WG}>;
var<workgroup> red2: array<f32, ${WG}>;
var<workgroup> codes: array<u32, ${WG}>;

@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let b = flat_group(wid, nwg);
  let i = b * ${WG}u + li;
  let live = b < p.blocks && i < p.n;
  var factor = 1.0;
  var skip = false;
  if (p.scaled != 0u) {
    factor = ld_gradScale(0u);
    skip = non_finite(factor);
  }
  var finite = false;
  var s1 = 0.0;
  var s2 = 0.0;
  if (live) {
    let raw = ld_grad(i);
    finite = !non_finite(raw);
    if (finite && !skip) {
      var g = raw;
      if (p.scaled != 0u) { g = rounded(raw * factor); }
      let m = rounded(ld_qmap1(ld_state1(i)) * ld_absmax1(b));
      let v = rounded(ld_qmap2(ld_state2(i)) * ld_absmax2(b));
      s2 = p.beta2 * v + p.rest2 * g * g;
      s1 = p.beta1 * m + p.rest1 * g;
    }
  }
  red1[li] = abs(s1);
  red2[li] = abs(s2);
  workgroupBarrier();
  for (var h = ${WG / 2}u; h > 0u; h = h >> 1u) {
    if (li < h) {
      red1[li] = max(red1[li], red1[li + h]);
      red2[li] = max(red2[li], red2[li + h]);
    }
    workgroupBarrier();
  }
  let max1 = red1[0];
  let max2 = red2[0];
  if (live && !skip) {
    if (finite) {
      var pv = ld_param(i) + p.stepSize * (s1 / (sqrt(s2) + p.epsScaled));
      if (p.decay != 1.0) { pv = rounded(pv) * p.decay; }
      st_param(i, pv);
    }
    var x1 = 0.0;
    if (max1 > 0.0) { x1 = s1 / max1; }
    var c1 = quantize1(x1);
    if (signbit(ld_qmap1(c1)) != signbit(s1)) {
      if (s1 > 0.0) { c1 = c1 + 1u; } else { c1 = c1 - 1u; }
    }
    var x2 = 0.0;
    if (max2 > 0.0) { x2 = s2 / max2; }
    codes[li] = c1 | (quantize2(x2) << 8u);
  }
  workgroupBarrier();
  let first = b * ${WG}u + 4u * li;
  if (!skip && li < ${WG / 4}u && b < p.blocks && first < p.n) {
    let w = b * ${WG / 4}u + li;
    var w1 = 0u;
    var w2 = 0u;
    var keep = 0u; // the bytes of the word past n, as they were
    if (first + 4u > p.n) {
      keep = 0xffffffffu << (8u * (p.n - first));
      w1 = ldw_state1(w) & keep;
      w2 = ldw_state2(w) & keep;
    }
    for (var k = 0u; k < 4u && first + k < p.n; k = k + 1u) {
      let c = codes[4u * li + k];
      w1 = w1 | ((c & 0xffu) << (8u * k));
      w2 = w2 | ((c >> 8u) << (8u * k));
    }
    stw_state1(w, w1);
    stw_state2(w, w2);
  }
  if (!skip && li == 0u && b < p.blocks) {
    st_absmax1(b, max1);
    st_absmax2(b, max2);
  }
}
`,
};

export function adamw8bit(gpu: WebGpuState, args: Adamw8bitArgs): void {
  checkAdamw8bitArgs(args);
  const { step, lr, n, gradScale } = args;
  for (const key of ['state1', 'state2'] as const) {
    const offset = (args[key] as unknown as GpuArray).offset;
    if (offset % 4 !== 0)
      throw new WebGpuError(
        `webgpu adamw8bit: ${key} is stored a word at a time and expected an offset that is a multiple of 4, got ${offset}`,
      );
  }
  const blocks = Math.ceil(n / ADAMW8BIT_BLOCKSIZE);
  if (blocks === 0) return;
  const f = Math.fround;
  const [beta1, beta2] = [f(args.beta1), f(args.beta2)];
  const c1 = 1 - args.beta1 ** step;
  const c2 = Math.sqrt(1 - args.beta2 ** step);
  gpu.programs.run(
    ADAMW8BIT,
    {
      param: args.param,
      grad: args.grad,
      state1: args.state1,
      state2: args.state2,
      absmax1: args.absmax1,
      absmax2: args.absmax2,
      qmap1: args.qmap1,
      qmap2: args.qmap2,
      gradScale,
    },
    {
      n,
      blocks,
      scaled: gradScale === undefined ? 0 : 1,
      beta1,
      beta2,
      rest1: 1 - beta1,
      rest2: 1 - beta2,
      stepSize: (-lr * c2) / c1,
      epsScaled: args.eps * c2,
      decay: args.weightDecay > 0 ? f(1 - lr * args.weightDecay) : 1,
      zero: 0,
    },
    groups1d(blocks, 1),
  );
}
