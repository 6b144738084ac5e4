// The pointwise and gather family on webgpu: fills, copies, arithmetic, activations, RoPE, embeddings, dropout and
// noise, soft-capping, AdamW, SGD and 8-bit AdamW, the absmax restore.
import type { WebGpuKernels } from '../kernels.js';
import { geluTanh, geluTanhBackward, silu, siluBackward } from './activations.js';
import { adamw } from './adamw.js';
import { adamw8bit } from './adamw8bit.js';
import { addBias } from './add-bias.js';
import { stridedCopy } from './copy.js';
import { dequantizeAbsmax } from './dequantize-absmax.js';
import { add, axpy, fill, mul, scale } from './elementwise.js';
import { embedding, embeddingBackward } from './embedding.js';
import { dropout, uniformNoise } from './random.js';
import { rope } from './rope.js';
import { sgd } from './sgd.js';
import { softcap, softcapBackward } from './softcap.js';

export const POINTWISE_KERNELS = {
  fill,
  add,
  mul,
  axpy,
  scale,
  rope,
  silu,
  siluBackward,
  geluTanh,
  geluTanhBackward,
  softcap,
  softcapBackward,
  embedding,
  embeddingBackward,
  adamw,
  sgd,
  adamw8bit,
  stridedCopy,
  addBias,
  dropout,
  uniformNoise,
  dequantizeAbsmax,
} satisfies WebGpuKernels;
