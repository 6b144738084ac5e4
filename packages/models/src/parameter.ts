// Parameter records (the @lora/core contract) and their lazily allocated gradients.
import { allocLike, type F32, type Parameter } from '@lora/core';

/** A frozen parameter named by its Hugging Face tensor name. */
export function makeParameter(name: string, shape: number[], data: F32, decay: boolean): Parameter {
  return { name, shape, data, grad: undefined, trainable: false, decay };
}

/** The gradient buffer of a trainable parameter, allocated (zeroed) on first use in the parameter's memory. */
export function gradOf(p: Parameter): F32 {
  p.grad ??= allocLike(p.data, p.data.length);
  return p.grad;
}
