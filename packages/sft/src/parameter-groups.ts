// Trainable parameters packed by weight-decay group into one flat array each for values and one for gradients (the
// layout of PyTorch's fused AdamW and apex's multi_tensor_apply): AdamW, the gradient norm, the NaN guard and
// zeroing then run as one kernel per group, however many tensors a model trains.
import { allocLike, type F32, kernel, memoryOf, type Parameter } from '@lora/core';

export interface ParameterGroup {
  /** whether AdamW's weight decay applies to this group */
  decay: boolean;
  params: Parameter[];
  /** where each parameter starts in the flat arrays */
  offsets: number[];
  /** every parameter's values; each `param.data` is a view of it */
  data: F32;
  /** every parameter's gradient; each `param.grad` is a view of it */
  grad: F32;
  size: number;
}

function copy(src: F32, dst: F32): void {
  kernel('stridedCopy')({ src, dst, counts: [1, 1, 1], inner: src.length, srcStrides: [0, 0, 0], dstStrides: [0, 0, 0] });
}

/**
 * Packs `params` (trainable, each with a grad) into groups by their `decay` flag, in the memory of their arrays:
 * values and gradients are copied into the flat arrays and each parameter's `data` and `grad` become views of them
 * (the old arrays are freed). Parameters keep their order within a group.
 */
export function packParameters(params: readonly Parameter[]): ParameterGroup[] {
  const groups: ParameterGroup[] = [];
  for (const decay of [true, false]) {
    const members = params.filter((p) => p.decay === decay);
    if (members.length === 0) continue;
    const offsets: number[] = [];
    let size = 0;
    for (const p of members) {
      offsets.push(size);
      size += p.data.length;
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
    groups.push({ decay, params: members, offsets, data, grad, size });
  }
  return groups;
}
