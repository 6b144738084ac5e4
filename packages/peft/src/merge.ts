// PEFT's merge_and_unload: fold every LoRA layer into its base and put the base back in the model. A dense base
// is merged in place into its own weight; a 4-bit base has none, so it is merged into its dequantized weight and
// replaced by a dense FrozenLinear — and the two differ, so the report says which happened and by how much.
import { type F32, type LinearModule, memoryOf, toHost } from '@lora/core';
import { maxAbsDiff } from './buffers.js';
import { MergeError } from './errors.js';
import { FrozenLinear } from './frozen-linear.js';
import type { LoraLinear } from './lora-linear.js';
import type { LoraModel } from './lora-model.js';

/** One module `mergeAndUnload` merged, and into which weights. */
export interface MergedModule {
  name: string;
  /** "dense": merged into the base's own weight; "dequantized": into the dequantized weight of a base without one */
  mergedInto: 'dense' | 'dequantized';
  /**
   * max |base − original| over the base weight at step 0 (dequantized; with s·B₀A₀ added back after PiSSA/OLoRA), when
   * the original dense weight was given
   */
  maxAbsDiffFromOriginal?: number;
}

/** A merged weight or bias, in the checkpoint's shape. */
export interface MergedTensor {
  /** the Hugging Face checkpoint shape: (out, in), or (in, out) when fan_in_fan_out (GPT-2's Conv1D) */
  shape: number[];
  data: Float32Array;
}

/** What `mergeAndUnload` did: the merged modules and their tensors for export. */
export interface MergeAndUnloadResult {
  modules: MergedModule[];
  /** merged weights and biases by Hugging Face tensor name ("<module>.weight", "<module>.bias"), for export */
  tensors: Map<string, MergedTensor>;
}

/** Options of `mergeAndUnload`: the original dense weights, where known. */
export interface MergeAndUnloadOptions {
  /** the original dense (out, in) weight of a module, when known (e.g. read from the unquantized checkpoint) */
  original?: (name: string) => Float32Array | undefined;
}

/** (out, in) → (in, out) */
function transposed(w: Float32Array, out: number, inF: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let j = 0; j < out; j++) for (let i = 0; i < inF; i++) t[i * out + j] = w[j * inF + i]!;
  return t;
}

/**
 * The base weight the model computed with at step 0, on the host: the base's own, plus s·B₀A₀ for a PiSSA/OLoRA layer
 * (whose base holds the residual W − s·B₀A₀), so it compares with the original checkpoint weight.
 */
async function baseAtInit(layer: LoraLinear, weight: F32): Promise<Float32Array> {
  const host = await toHost(weight); // a copy
  const initial = layer.initialWeights;
  if (!initial) return host;
  const { r: R, inFeatures: I, scaling: s } = layer;
  for (let j = 0; j < layer.outFeatures; j++)
    for (let i = 0; i < R; i++) {
      const b = s * initial.b[j * R + i]!;
      for (let c = 0; c < I; c++) host[j * I + c]! += b * initial.a[i * I + c]!;
    }
  return host;
}

/** Frees arrays of a denseWeight() copy once read (a no-op on the host; on a GPU each is a dense (out, in) buffer). */
function release(...arrays: (F32 | undefined)[]): void {
  for (const a of arrays) if (a) memoryOf(a).free(a);
}

/**
 * Merge and unload every layer of `lm`; the LoraModel must not be used afterwards. The merged tensors are read back
 * to the host for export.
 */
export async function mergeAndUnload(
  lm: LoraModel,
  options: MergeAndUnloadOptions = {},
): Promise<MergeAndUnloadResult> {
  const modules: MergedModule[] = [];
  const tensors = new Map<string, MergedTensor>();
  const replacements: [string, LinearModule][] = [];
  for (const [name, layer] of lm.layers) {
    layer.enabled = true; // merging folds the adapter in, whether or not it was switched off
    if (!layer.base.denseWeight)
      throw new MergeError(`mergeAndUnload ${name}: expected a base linear with denseWeight(), got none`);
    const original = options.original?.(name);
    if (original && original.length !== layer.outFeatures * layer.inFeatures) {
      throw new MergeError(
        `mergeAndUnload ${name}: original weight expected ${layer.outFeatures}×${layer.inFeatures} values, got ${original.length}`,
      );
    }
    const dense = layer.denseBaseWeight();
    let weight: F32;
    let bias: F32 | undefined;
    if (dense) {
      if (layer.merged) layer.unmerge(); // start from the base weight, so the comparison below sees it
      const diff = original ? maxAbsDiff(await baseAtInit(layer, dense.data), original) : undefined;
      layer.merge();
      weight = dense.data;
      const copy = layer.base.denseWeight(); // for its bias: the base's weight is `dense` itself
      release(copy.weight);
      bias = copy.bias;
      replacements.push([name, layer.base]);
      modules.push({
        name,
        mergedInto: 'dense',
        ...(diff !== undefined ? { maxAbsDiffFromOriginal: diff } : {}),
      });
    } else {
      let diff: number | undefined;
      if (original) {
        const base = layer.base.denseWeight(); // dequantized
        diff = maxAbsDiff(await baseAtInit(layer, base.weight), original);
        release(base.weight, base.bias);
      }
      ({ weight, bias } = layer.denseWeight());
      replacements.push([name, new FrozenLinear(name, layer.inFeatures, layer.outFeatures, weight, bias)]);
      modules.push({
        name,
        mergedInto: 'dequantized',
        ...(diff !== undefined ? { maxAbsDiffFromOriginal: diff } : {}),
      });
    }
    const host = await toHost(weight); // a copy
    const hf = lm.config.fan_in_fan_out ? transposed(host, layer.outFeatures, layer.inFeatures) : host;
    tensors.set(`${name}.weight`, {
      shape: lm.config.fan_in_fan_out
        ? [layer.inFeatures, layer.outFeatures]
        : [layer.outFeatures, layer.inFeatures],
      data: hf,
    });
    if (bias) tensors.set(`${name}.bias`, { shape: [layer.outFeatures], data: await toHost(bias) });
    if (dense && bias) release(bias); // a copy made for export; a FrozenLinear keeps its own
  }
  for (const [name, module] of replacements) lm.model.replaceLinear(name, module);
  return { modules, tensors };
}
