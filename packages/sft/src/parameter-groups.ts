// Trainable parameters packed by optimizer group — weight decay on or off, learning-rate scale (LoRA+), blockwise
// state — into one flat array each for values and one for gradients (the layout of PyTorch's fused AdamW and apex's
// multi_tensor_apply): AdamW, the gradient norm, the NaN guard and zeroing then run as one kernel per group, however
// many tensors a model trains. In a memory with a largest array (a GPU's largest storage binding) a group's tensors
// are packed into as many arrays as that takes (a row block of a split tensor is a parameter like any other). Blockwise
// parameters start at multiples of the block size, but nothing pads the last one: a group of one parameter is that
// parameter's size, so a row block the model sized to the largest array never grows past it here.
import { allocLike, type F32, kernel, memoryOf, type Parameter } from '@lora/core';
import { TrainerConfigError } from './errors.js';

/** Parameters that share a weight-decay setting and learning rate, packed into one array for the optimizer. */
export interface ParameterGroup {
  /** whether AdamW's weight decay applies to this group */
  decay: boolean;
  /** the group's learning rate is the schedule's × this (1; LoRA+'s ratio for lora_B and 1-D parameters) */
  lrScale: number;
  params: Parameter[];
  /** where each parameter starts in the flat arrays */
  offsets: number[];
  /** every parameter's values; each `param.data` is a view of it */
  data: F32;
  /** every parameter's gradient; each `param.grad` is a view of it */
  grad: F32;
  /** elements of data and grad: the last parameter's end, any zero padding between blockwise parameters included */
  size: number;
  /** a group of PackOptions.blockwise parameters, each starting at a multiple of the block size */
  blockwise: boolean;
}

/** How to pack: which parameters get blockwise (8-bit) optimizer state, packed so that no block spans two tensors. */
export interface PackOptions {
  /** parameters for which it returns true go in groups of their own (`blockwise: true`) */
  blockwise?: (p: Parameter) => boolean;
  /**
   * each parameter of a blockwise group starts at a multiple of this (bitsandbytes quantizes each tensor's state in
   * blocks of 256 from its first element); the gap before the next is zero in data and grad, and stays zero; the last
   * parameter's final block is partial, as a lone tensor's is in bitsandbytes
   */
  blocksize?: number;
  /** each parameter's learning-rate multiplier (1 by default); parameters with different ones go in different groups */
  lrScale?: (p: Parameter) => number;
}

function copy(src: F32, dst: F32): void {
  kernel('stridedCopy')({
    src,
    dst,
    counts: [1, 1, 1],
    inner: src.length,
    srcStrides: [0, 0, 0],
    dstStrides: [0, 0, 0],
  });
}

/**
 * Packs `params` (trainable, each with a grad) into groups by their `decay` flag (and, with `options.blockwise`, by
 * whether their state is blockwise), in the memory of their arrays: values and gradients are copied into the flat
 * arrays and each parameter's `data` and `grad` become views of them (the old arrays are freed). Parameters keep
 * their order within a group.
 */
export function packParameters(params: readonly Parameter[], options: PackOptions = {}): ParameterGroup[] {
  const groups: ParameterGroup[] = [];
  const { blockwise: isBlockwise, blocksize = 1, lrScale: scaleOf = () => 1 } = options;
  const kinds = isBlockwise ? [false, true] : [false];
  const scales = [...new Set(params.map(scaleOf))]; // in order of first appearance
  for (const decay of [true, false]) {
    for (const lrScale of scales) {
      for (const blockwise of kinds) {
        const members = params.filter(
          (p) => p.decay === decay && scaleOf(p) === lrScale && (isBlockwise?.(p) ?? false) === blockwise,
        );
        const align = blockwise ? blocksize : 1;
        for (const run of withinLimit(members, align))
          groups.push(packGroup(run, { decay, lrScale, blockwise }, align));
      }
    }
  }
  return groups;
}

/** Where the parameter after one of `n` elements at `offset` starts: the next multiple of `align`. */
const nextOffset = (offset: number, n: number, align: number) => Math.ceil((offset + n) / align) * align;

/**
 * `members` in order, in runs whose packed arrays fit their memory's largest array (one run without a limit): a run's
 * f32 arrays end where its last parameter does, so a parameter that fits the limit fits in a run of its own.
 */
function withinLimit(members: Parameter[], align: number): Parameter[][] {
  if (members.length === 0) return [];
  const like = members[0]!.data;
  const limit = like instanceof Float64Array ? undefined : memoryOf(like).maxArrayBytes;
  if (limit === undefined) return [members];
  const runs: Parameter[][] = [];
  let run: Parameter[] = [];
  let offset = 0; // where the next parameter of the run would start
  for (const p of members) {
    if (run.length > 0 && 4 * (offset + p.data.length) > limit) {
      runs.push(run);
      [run, offset] = [[], 0];
    }
    run.push(p);
    offset = nextOffset(offset, p.data.length, align);
  }
  runs.push(run);
  return runs;
}

function packGroup(
  members: Parameter[],
  kind: { decay: boolean; lrScale: number; blockwise: boolean },
  align: number,
): ParameterGroup {
  const offsets: number[] = [];
  let [size, next] = [0, 0];
  for (const p of members) {
    offsets.push(next);
    size = next + p.data.length; // no padding after the last
    next = nextOffset(next, p.data.length, align);
  }
  const data = allocLike(members[0]!.data, size);
  const grad = allocLike(members[0]!.data, size);
  members.forEach((p, i) => {
    const [start, end] = [offsets[i]!, offsets[i]! + p.data.length];
    const [oldData, oldGrad] = [p.data, p.grad!];
    copy(oldData, data.subarray(start, end));
    copy(oldGrad, grad.subarray(start, end));
    p.data = data.subarray(start, end);
    p.grad = grad.subarray(start, end);
    memoryOf(oldData).free(oldData);
    memoryOf(oldGrad).free(oldGrad);
  });
  return { ...kind, params: members, offsets, data, grad, size };
}

/** Every parameter trainable, with a grad of its own size; throws TrainerConfigError naming the first that is not. */
export function checkTrainable(optimizer: string, params: readonly Parameter[]): void {
  for (const p of params) {
    if (!p.trainable || !p.grad || p.grad.length !== p.data.length) {
      throw new TrainerConfigError(
        p.name,
        `${optimizer} parameter "${p.name}": expected a trainable parameter with a grad of ${p.data.length} elements, got trainable=${p.trainable}, grad ${p.grad ? `${p.grad.length} elements` : 'missing'}`,
      );
    }
  }
}
