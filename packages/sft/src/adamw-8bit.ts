// 8-bit AdamW as bitsandbytes' AdamW8bit runs it (Hugging Face optim "adamw_8bit", "adamw_bnb_8bit",
// "paged_adamw_8bit"): a parameter of at least min_8bit_size (4096) elements keeps its moments as 8-bit codes with one
// absmax per block of 256 (signed dynamic map for m, unsigned for v) and steps through the core `adamw8bit` kernel;
// a smaller one keeps float32 moments and steps through `adamw`. Parameters are packed by (decay, 8-bit) group, each
// 8-bit parameter starting at a multiple of 256 so that no block spans two tensors, as bitsandbytes' per-tensor
// blocks never do. The state is saved under bitsandbytes' state_dict names: state1/state2 (uint8 codes, or float32
// moments for small tensors) and absmax1/absmax2 per parameter, the two maps once as qmap1/qmap2.
import {
  ADAMW8BIT_BLOCKSIZE,
  allocLike,
  createDynamicMap,
  type F32,
  kernel,
  memoryOf,
  type Parameter,
  parameterKey,
  toHost,
  type U8,
  writeHost,
} from '@lora/core';
import type { TensorInputs } from '@lora/safetensors';
import { type AdamwOptions, resolveAdamwOptions } from './adamw.js';
import { CheckpointError, TrainerConfigError } from './errors.js';
import { loraplusLrScale, loraplusMetadata, resolveLoraplusRatio } from './loraplus.js';
import type { Optimizer, OptimizerStateFile, SavedOptimizerTensors } from './optimizer.js';
import { checkTrainable, type ParameterGroup, packParameters } from './parameter-groups.js';

/** bitsandbytes' min_8bit_size: tensors with fewer elements keep 32-bit state. */
export const MIN_8BIT_SIZE = 4096;
/** The code of 0 in the signed map (its 127 negative values come first): padding between tensors codes m = 0. */
const ZERO_CODE_1 = 127;

/** Options of `AdamW8bit`: AdamW's, and bitsandbytes' min_8bit_size. */
export interface Adamw8bitOptions extends AdamwOptions {
  /** tensors of at least this many elements get 8-bit state; default 4096 */
  min8bitSize?: number;
}

type GroupState =
  | { group: ParameterGroup; blockwise: true; state1: U8; state2: U8; absmax1: F32; absmax2: F32 }
  | { group: ParameterGroup; blockwise: false; m: F32; v: F32 };

/** AdamW with bitsandbytes' blockwise 8-bit moments, over parameters packed into groups. */
export class AdamW8bit implements Optimizer {
  readonly name = 'adamw_8bit';
  readonly label = 'AdamW8bit';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly loraplusLrRatio: number | undefined;
  readonly min8bitSize: number;
  readonly params: readonly Parameter[];
  readonly groups: readonly ParameterGroup[];
  readonly #groups: GroupState[];
  /** the signed and unsigned dynamic maps, in the parameters' memory */
  readonly #qmap1: F32;
  readonly #qmap2: F32;
  #step = 0;

  /**
   * `params` are the trainable parameters, each with a `grad` buffer, already in the memory they train in: packed
   * here (8-bit ones aligned to 256). Throws TrainerConfigError for a bad option or parameter.
   */
  constructor(params: readonly Parameter[], options: Adamw8bitOptions = {}) {
    const { beta1, beta2, eps, weightDecay } = resolveAdamwOptions(options);
    const min8bitSize = options.min8bitSize ?? MIN_8BIT_SIZE;
    if (!(Number.isSafeInteger(min8bitSize) && min8bitSize >= 0)) {
      throw new TrainerConfigError(
        'min8bitSize',
        `min8bitSize: expected an integer >= 0, got ${min8bitSize}`,
      );
    }
    checkTrainable('AdamW8bit', params);
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    this.min8bitSize = min8bitSize;
    this.loraplusLrRatio = resolveLoraplusRatio(options);
    this.params = params;
    this.groups = packParameters(params, {
      lrScale: loraplusLrScale(this.loraplusLrRatio),
      blockwise: (p) => p.data.length >= min8bitSize,
      blocksize: ADAMW8BIT_BLOCKSIZE,
    });
    const like = this.groups[0]!.data;
    const memory = memoryOf(like);
    this.#qmap1 = memory.upload(createDynamicMap(true));
    this.#qmap2 = memory.upload(createDynamicMap(false));
    this.#groups = this.groups.map((group): GroupState => {
      if (!group.blockwise)
        return { group, blockwise: false, m: allocLike(like, group.size), v: allocLike(like, group.size) };
      const blocks = group.size / ADAMW8BIT_BLOCKSIZE;
      return {
        group,
        blockwise: true,
        // bitsandbytes' init_state: codes 0 and absmax 0 (every moment dequantizes to 0)
        state1: memory.u8(group.size),
        state2: memory.u8(group.size),
        absmax1: allocLike(like, blocks),
        absmax2: allocLike(like, blocks),
      };
    });
  }

  get stepCount(): number {
    return this.#step;
  }

  /** Bytes of optimizer state: 2 codes per element and 2 float32 scales per 256 for 8-bit tensors, 8 bytes per element
   * for the others, and the two maps. */
  stateBytes(): number {
    let bytes = 2 * 256 * 4;
    for (const s of this.#groups)
      bytes += s.blockwise ? 2 * s.group.size + (8 * s.group.size) / ADAMW8BIT_BLOCKSIZE : 8 * s.group.size;
    return bytes;
  }

  step(lr: number, gradScale?: F32): void {
    this.#step += 1;
    const hyper = { step: this.#step, beta1: this.beta1, beta2: this.beta2, eps: this.eps };
    const scale = gradScale ? { gradScale } : {};
    for (const s of this.#groups) {
      const { group } = s;
      const common = {
        ...hyper,
        ...scale,
        lr: lr * group.lrScale,
        param: group.data,
        grad: group.grad,
        weightDecay: group.decay ? this.weightDecay : 0,
        n: group.size,
      };
      if (s.blockwise) {
        const { state1, state2, absmax1, absmax2 } = s;
        kernel('adamw8bit')({
          ...common,
          state1,
          state2,
          absmax1,
          absmax2,
          qmap1: this.#qmap1,
          qmap2: this.#qmap2,
        });
      } else {
        kernel('adamw')({ ...common, m: s.m, v: s.v });
      }
    }
  }

  /** Each parameter's state1/state2 (and absmax1/absmax2 for 8-bit ones), as bitsandbytes' state_dict names them. */
  async saveState(): Promise<OptimizerStateFile> {
    const tensors: Record<string, TensorInputs[string]> = {
      qmap1: { dtype: 'F32', shape: [256], data: await toHost(this.#qmap1) },
      qmap2: { dtype: 'F32', shape: [256], data: await toHost(this.#qmap2) },
    };
    for (const s of this.#groups) {
      for (const [i, p] of s.group.params.entries()) {
        const [start, end] = [s.group.offsets[i]!, s.group.offsets[i]! + p.data.length];
        if (!s.blockwise) {
          tensors[`${parameterKey(p)}.state1`] = {
            dtype: 'F32',
            shape: p.shape,
            data: await toHost(s.m.subarray(start, end)),
          };
          tensors[`${parameterKey(p)}.state2`] = {
            dtype: 'F32',
            shape: p.shape,
            data: await toHost(s.v.subarray(start, end)),
          };
          continue;
        }
        const blocks = [start / ADAMW8BIT_BLOCKSIZE, Math.ceil(end / ADAMW8BIT_BLOCKSIZE)] as const;
        const shape = [blocks[1] - blocks[0]];
        tensors[`${parameterKey(p)}.state1`] = {
          dtype: 'U8',
          shape: p.shape,
          data: await toHost(s.state1.subarray(start, end)),
        };
        tensors[`${parameterKey(p)}.state2`] = {
          dtype: 'U8',
          shape: p.shape,
          data: await toHost(s.state2.subarray(start, end)),
        };
        tensors[`${parameterKey(p)}.absmax1`] = {
          dtype: 'F32',
          shape,
          data: await toHost(s.absmax1.subarray(...blocks)),
        };
        tensors[`${parameterKey(p)}.absmax2`] = {
          dtype: 'F32',
          shape,
          data: await toHost(s.absmax2.subarray(...blocks)),
        };
      }
    }
    const metadata = {
      optimizer: this.name,
      step: String(this.#step),
      betas: JSON.stringify([this.beta1, this.beta2]),
      eps: String(this.eps),
      weight_decay: String(this.weightDecay),
      optim_bits: '8',
      min_8bit_size: String(this.min8bitSize),
      block_size: String(ADAMW8BIT_BLOCKSIZE),
      ...loraplusMetadata(this.loraplusLrRatio),
    };
    return { tensors, metadata };
  }

  loadState(step: number, tensors: SavedOptimizerTensors, path: string): void {
    if (!Number.isInteger(step) || step < 0)
      throw new CheckpointError(path, `${path}: step: expected an integer >= 0, got ${step}`);
    const get = <T extends Float32Array | Uint8Array>(
      name: string,
      uint8: T extends Uint8Array ? true : false,
      length: number,
    ): T => {
      const t = tensors.get(name);
      const type = uint8 ? 'uint8' : 'float32';
      if (t === undefined || t instanceof Uint8Array !== uint8 || t.length !== length) {
        const got =
          t === undefined ? 'none' : `${t instanceof Uint8Array ? 'uint8' : 'float32'} of ${t.length}`;
        throw new CheckpointError(
          path,
          `${path}: expected ${type} "${name}" of ${length} elements, got ${got}`,
        );
      }
      return t as T;
    };
    for (const [key, signed] of [
      ['qmap1', true],
      ['qmap2', false],
    ] as const) {
      const saved = get<Float32Array>(key, false, 256);
      const ours = createDynamicMap(signed);
      if (saved.some((v, i) => v !== ours[i]))
        throw new CheckpointError(
          path,
          `${path}: ${key}: expected bitsandbytes' ${signed ? 'signed' : 'unsigned'} dynamic map, got another`,
        );
    }
    for (const s of this.#groups) {
      const { group } = s;
      if (!s.blockwise) {
        group.params.forEach((p, i) => {
          const [start, end] = [group.offsets[i]!, group.offsets[i]! + p.data.length];
          writeHost(
            s.m.subarray(start, end),
            get<Float32Array>(`${parameterKey(p)}.state1`, false, p.data.length),
          );
          writeHost(
            s.v.subarray(start, end),
            get<Float32Array>(`${parameterKey(p)}.state2`, false, p.data.length),
          );
        });
        continue;
      }
      // codes are written a group at a time (a device may store bytes only by whole words); the padding between
      // tensors codes 0, as the kernel leaves it
      const blocks = group.size / ADAMW8BIT_BLOCKSIZE;
      const host = {
        state1: new Uint8Array(group.size).fill(ZERO_CODE_1),
        state2: new Uint8Array(group.size),
        absmax1: new Float32Array(blocks),
        absmax2: new Float32Array(blocks),
      };
      group.params.forEach((p, i) => {
        const start = group.offsets[i]!;
        const n = p.data.length;
        const [b0, nb] = [start / ADAMW8BIT_BLOCKSIZE, Math.ceil(n / ADAMW8BIT_BLOCKSIZE)];
        host.state1.set(get<Uint8Array>(`${parameterKey(p)}.state1`, true, n), start);
        host.state2.set(get<Uint8Array>(`${parameterKey(p)}.state2`, true, n), start);
        host.absmax1.set(get<Float32Array>(`${parameterKey(p)}.absmax1`, false, nb), b0);
        host.absmax2.set(get<Float32Array>(`${parameterKey(p)}.absmax2`, false, nb), b0);
      });
      const memory = memoryOf(s.absmax1);
      memory.write(s.state1, host.state1);
      memory.write(s.state2, host.state2);
      writeHost(s.absmax1, host.absmax1);
      writeHost(s.absmax2, host.absmax2);
    }
    this.#step = step;
  }
}
