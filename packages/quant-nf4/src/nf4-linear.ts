// A frozen 4-bit linear layer (bitsandbytes nn.Linear4bit): y = x · dequant(W)ᵀ + b, input gradient only.
import {
  type DeviceMemory,
  type F32,
  type ForwardContext,
  hostMemory,
  kernel,
  type LinearCache,
  type LinearModule,
  type Parameter,
  type U8,
} from '@lora/core';
import { blockCount } from './blockwise.js';
import { dequantize4bit, elementCount, QuantizationError, type QuantizedTensor } from './quantize.js';

/**
 * The 4-bit weight as kernel('nf4Matmul') reads it, in one memory: 4 bits per weight, and the block scales either as
 * stored (f32) or double-quantized (8-bit codes the kernel restores as it reads them: no dense (out, in) copy of the
 * weight and no f32 copy of its scales ever exists).
 */
interface WeightOperands {
  memory: DeviceMemory;
  packed: U8;
  code: F32;
  /** the stored absmax, when not double-quantized */
  absmax?: F32;
  nested?: { qabsmax: U8; nestedAbsmax: F32; nestedCode: F32; nestedBlocksize: number; offset: number };
}

function placeWeight(q: QuantizedTensor, memory: DeviceMemory): WeightOperands {
  const operands: WeightOperands = {
    memory,
    packed: memory.upload(q.packed),
    code: memory.upload(q.code),
  };
  if (q.absmax) operands.absmax = memory.upload(q.absmax);
  else if (q.nested) {
    const n = q.nested;
    operands.nested = {
      qabsmax: memory.upload(n.qabsmax),
      nestedAbsmax: memory.upload(n.nestedAbsmax),
      nestedCode: memory.upload(n.nestedCode),
      nestedBlocksize: n.nestedBlocksize,
      offset: n.offset,
    };
  }
  return operands;
}

/** Options of `Nf4Linear`: the module name, the 4-bit weight, the bias. */
export interface Nf4LinearOptions {
  /** Hugging Face module name, e.g. "model.layers.0.self_attn.q_proj"; parameters are named `${name}.bias` */
  name: string;
  /** the 4-bit weight, shape [out, in] */
  weight: QuantizedTensor;
  /** (out) optional bias, kept in f32 */
  bias?: F32;
}

/** A frozen NF4/FP4 base linear. Its bias (if any) is the only Parameter; the 4-bit weight is never trained. */
export class Nf4Linear implements LinearModule {
  readonly name: string;
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** the quantized weight as bitsandbytes stores it (host arrays: state dicts, dequantization for merging) */
  readonly weight: QuantizedTensor;
  readonly bias: Parameter | undefined;
  /** the weight's operands in the memory the layer computes in */
  #operands: WeightOperands;

  constructor(options: Nf4LinearOptions) {
    const { name, weight, bias } = options;
    const [outFeatures, inFeatures, ...rest] = weight.shape;
    if (outFeatures === undefined || inFeatures === undefined || rest.length > 0) {
      throw new QuantizationError(
        `Nf4Linear ${name}: weight shape expected [out, in], got [${weight.shape.join(', ')}]`,
      );
    }
    if (bias && bias.length !== outFeatures) {
      throw new QuantizationError(
        `Nf4Linear ${name}: bias expected ${outFeatures} values, got ${bias.length}`,
      );
    }
    const blocks = blockCount(elementCount(weight), weight.blocksize);
    const stored = weight.absmax?.length ?? weight.nested?.qabsmax.length;
    if (stored !== blocks) {
      throw new QuantizationError(
        `Nf4Linear ${name}: absmax expected ${blocks} blocks, got ${stored ?? 'none'}`,
      );
    }
    if (weight.packed.length < Math.ceil(elementCount(weight) / 2)) {
      throw new QuantizationError(
        `Nf4Linear ${name}: packed expected ${Math.ceil(elementCount(weight) / 2)} bytes, got ${weight.packed.length}`,
      );
    }
    this.name = name;
    this.weight = weight;
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.bias = bias
      ? {
          name: `${name}.bias`,
          shape: [outFeatures],
          data: bias,
          grad: undefined,
          trainable: false,
          decay: false,
        }
      : undefined;
    this.#operands = placeWeight(weight, hostMemory);
  }

  /** Uploads the codes, code table and (8-bit or f32) absmax to `memory`: 4 bits per weight there too. */
  useMemory(memory: DeviceMemory): void {
    if (memory === this.#operands.memory) return;
    const old = this.#operands;
    this.#operands = placeWeight(this.weight, memory);
    // the JS heap frees nothing; a GPU's buffers and the wasm memory's f32 copies go back to their memory
    for (const a of [
      old.packed,
      old.code,
      old.absmax,
      old.nested?.qabsmax,
      old.nested?.nestedAbsmax,
      old.nested?.nestedCode,
    ])
      if (a) old.memory.free(a);
  }

  #product(x: F32, out: F32, rows: number, mode: 'forward' | 'inputGrad', accumulate: boolean): void {
    const w = this.#operands;
    kernel('nf4Matmul')({
      packed: w.packed, // W (out, in)
      ...(w.absmax ? { absmax: w.absmax } : { nested: w.nested! }),
      code: w.code,
      blocksize: this.weight.blocksize,
      x,
      out,
      m: rows,
      n: this.outFeatures,
      k: this.inFeatures,
      mode,
      accumulate,
    });
  }

  forward(x: F32, rows: number, _ctx: ForwardContext, out?: F32): { out: F32; cache: LinearCache } {
    const y = out ?? this.#operands.memory.f32(rows * this.outFeatures); // (T, out)
    this.#product(x, y, rows, 'forward', false); // (T, in) · Wᵀ
    if (this.bias) kernel('addBias')({ x: y, bias: this.bias.data, rows, cols: this.outFeatures });
    return { out: y, cache: { x, rows } };
  }

  /** dx (T, in) = dy (T, out) · W; the bias gradient when the bias was made trainable. */
  backward(dy: F32, cache: LinearCache, dxAccumulate?: F32): F32 {
    const { rows } = cache;
    const dx = dxAccumulate ?? this.#operands.memory.f32(rows * this.inFeatures); // (T, in)
    this.#product(dy, dx, rows, 'inputGrad', dxAccumulate !== undefined);
    const bias = this.bias;
    if (bias?.trainable) {
      bias.grad ??= this.#operands.memory.f32(this.outFeatures);
      kernel('columnSums')({ x: dy, outAccumulate: bias.grad, rows, cols: this.outFeatures }); // (out)
    }
    return dx;
  }

  parameters(): Parameter[] {
    return this.bias ? [this.bias] : [];
  }

  /** The dequantized weight (out, in) and a copy of the bias, in the layer's memory. */
  denseWeight(): { weight: F32; bias: F32 | undefined } {
    const memory = this.#operands.memory;
    const bias = this.bias ? memory.f32(this.outFeatures) : undefined;
    if (bias)
      kernel('stridedCopy')({
        src: this.bias!.data,
        dst: bias,
        counts: [1, 1, 1],
        inner: this.outFeatures,
        srcStrides: [0, 0, 0],
        dstStrides: [0, 0, 0],
      });
    return { weight: memory.upload(dequantize4bit(this.weight)), bias };
  }
}
