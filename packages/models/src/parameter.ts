// Parameter records (the @lora/core contract) and their lazily allocated gradients.
import type { Parameter } from '@lora/core';
import { alloc } from './buffers.js';

/** A frozen parameter named by its Hugging Face tensor name. */
export function makeParameter(name: string, shape: number[], data: Float32Array, decay: boolean): Parameter {
  return { name, shape, data, grad: undefined, trainable: false, decay };
}

/** The gradient buffer of a trainable parameter, allocated (zeroed) on first use. */
export function gradOf(p: Parameter): Float32Array {
  p.grad ??= alloc(p.data, p.data.length);
  return p.grad;
}
