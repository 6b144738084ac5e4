// 8-bit AdamW as bitsandbytes' AdamW8bit runs it (Hugging Face optim "adamw_8bit", "adamw_bnb_8bit",
// "paged_adamw_8bit"): a tensor of at least min_8bit_size (4096) elements keeps its moments as 8-bit codes with one
// absmax per block of 256 (signed dynamic map for m, unsigned for v) and steps through the core `adamw8bit` kernel;
// a smaller one keeps float32 moments and steps through `adamw` (decided per tensor: a tensor's row blocks alike).
// Parameters are packed by (decay, 8-bit) group, each 8-bit parameter starting at a multiple of 256 so that no block
// spans two tensors, as bitsandbytes' per-tensor blocks never do; a group ends where its last tensor does (its last
// block partial), so no state array of a row block sized to the memory's largest array is larger than the block.
// The state is saved under bitsandbytes' state_dict names, whole per tensor (see adamw-8bit-splits.ts for row
// blocks): state1/state2 (uint8 codes, or float32 moments for small tensors) and absmax1/absmax2, the two maps once
// as qmap1/qmap2.
import {
  ADAMW8BIT_BLOCKSIZE,
  allocLike,
  createDynamicMap,
  type F32,
  kernel,
  memoryOf,
  type Parameter,
  toHost,
  type U8,
  writeHost,
} from '@lora/core';
import type { TensorInputs } from '@lora/safetensors';
import { type AdamwOptions, resolveAdamwOptions } from './adamw.js';
import { blockAbsmax, parseRowBlocks, quantBlocks } from './adamw-8bit-splits.js';
import { CheckpointError, TrainerConfigError } from './errors.js';
import { loraplusLrScale, loraplusMetadata, resolveLoraplusRatio } from './loraplus.js';
import type { Optimizer, OptimizerStateFile, SavedOptimizerTensors } from './optimizer.js';
import { checkTrainable, type ParameterGroup, packParameters } from './parameter-groups.js';
import { joinParts, tensorElements, wholeTensors } from './whole-tensors.js';

/** bitsandbytes' min_8bit_size: tensors with fewer elements keep 32-bit state. */
export const MIN_8BIT_SIZE = 4096;
/** The code of 0 in the signed map (its 127 negative values come first): padding between tensors codes m = 0. */
const ZERO_CODE_1 = 127;
/** Bytes of an array of `n` codes in whole 4-byte words (at most 4n: within the largest array the f32 values fit). */
const codeWords = (n: number) => Math.ceil(n / 4) * 4;

/** Options of `AdamW8bit`: AdamW's, and bitsandbytes' min_8bit_size. */
export interface Adamw8bitOptions extends AdamwOptions {
  /** tensors of at least this many elements get 8-bit state; default 4096 */
  min8bitSize?: number;
}

type Wise = {
  group: ParameterGroup;
  blockwise: true;
  /** the codes of the group's elements: views of `words` */
  state1: U8;
  state2: U8;
  absmax1: F32;
  absmax2: F32;
  /** the code arrays, whole 4-byte words (a device may write bytes only by whole words) */
  words: [U8, U8];
};
type Float = { group: ParameterGroup; blockwise: false; m: F32; v: F32 };
type GroupState = Wise | Float;

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
      blockwise: (p) => tensorElements(p) >= min8bitSize, // per tensor, its row blocks alike
      blocksize: ADAMW8BIT_BLOCKSIZE,
    });
    const like = this.groups[0]!.data;
    const memory = memoryOf(like);
    this.#qmap1 = memory.upload(createDynamicMap(true));
    this.#qmap2 = memory.upload(createDynamicMap(false));
    this.#groups = this.groups.map((group): GroupState => {
      if (!group.blockwise)
        return { group, blockwise: false, m: allocLike(like, group.size), v: allocLike(like, group.size) };
      const blocks = quantBlocks(group.size);
      // bitsandbytes' init_state: codes 0 and absmax 0 (every moment dequantizes to 0)
      const words: [U8, U8] = [memory.u8(codeWords(group.size)), memory.u8(codeWords(group.size))];
      return {
        group,
        blockwise: true,
        state1: words[0].subarray(0, group.size),
        state2: words[1].subarray(0, group.size),
        absmax1: allocLike(like, blocks),
        absmax2: allocLike(like, blocks),
        words,
      };
    });
  }

  get stepCount(): number {
    return this.#step;
  }

  /** Bytes of optimizer state: 2 codes per element (in whole words) and 2 float32 scales per 256 for 8-bit tensors,
   * 8 bytes per element for the others, and the two maps. */
  stateBytes(): number {
    let bytes = 2 * 256 * 4;
    for (const s of this.#groups)
      bytes += s.blockwise ? 2 * codeWords(s.group.size) + 8 * quantBlocks(s.group.size) : 8 * s.group.size;
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

  /** Where each parameter's state lies: its group's state and its offset there. */
  #slots(): Map<Parameter, { s: GroupState; start: number }> {
    const slots = new Map<Parameter, { s: GroupState; start: number }>();
    for (const s of this.#groups)
      s.group.params.forEach((p, i) => {
        slots.set(p, { s, start: s.group.offsets[i]! });
      });
    return slots;
  }

  /**
   * Each tensor's state1/state2 (and absmax1/absmax2 for 8-bit ones), as bitsandbytes' state_dict names them, whole:
   * a tensor kept in row blocks has its blocks' state joined, and metadata "row_blocks" records where its blocks start
   * (its absmax are per block of 256 of each row block: the whole tensor's own where every block holds whole 256s).
   */
  async saveState(): Promise<OptimizerStateFile> {
    const tensors: Record<string, TensorInputs[string]> = {
      qmap1: { dtype: 'F32', shape: [256], data: await toHost(this.#qmap1) },
      qmap2: { dtype: 'F32', shape: [256], data: await toHost(this.#qmap2) },
    };
    const slots = this.#slots();
    const rowBlocks: Record<string, number[]> = {};
    for (const t of wholeTensors(this.params)) {
      const at = t.blocks.map((b) => ({ ...slots.get(b.param)!, n: b.param.data.length }));
      if (t.blocks.length > 1) rowBlocks[t.name] = t.blocks.map((b) => b.param.rowBlock!.rowStart);
      // each block's elements, or its absmax (one per 256 from its start, which is aligned to 256)
      const range = (start: number, n: number, absmax: boolean): [number, number] =>
        absmax
          ? [start / ADAMW8BIT_BLOCKSIZE, start / ADAMW8BIT_BLOCKSIZE + quantBlocks(n)]
          : [start, start + n];
      const f32 = async (pick: (s: GroupState) => F32, absmax = false) =>
        joinParts(
          await Promise.all(
            at.map(({ s, start, n }) => toHost(pick(s).subarray(...range(start, n, absmax)))),
          ),
        );
      const u8 = async (pick: (s: GroupState) => U8) =>
        joinParts(await Promise.all(at.map(({ s, start, n }) => toHost(pick(s).subarray(start, start + n)))));
      const first = at[0]!.s;
      if (!first.blockwise) {
        tensors[`${t.name}.state1`] = {
          dtype: 'F32',
          shape: t.shape,
          data: await f32((s) => (s as Float).m),
        };
        tensors[`${t.name}.state2`] = {
          dtype: 'F32',
          shape: t.shape,
          data: await f32((s) => (s as Float).v),
        };
        continue;
      }
      tensors[`${t.name}.state1`] = {
        dtype: 'U8',
        shape: t.shape,
        data: await u8((s) => (s as Wise).state1),
      };
      tensors[`${t.name}.state2`] = {
        dtype: 'U8',
        shape: t.shape,
        data: await u8((s) => (s as Wise).state2),
      };
      for (const key of ['absmax1', 'absmax2'] as const) {
        const data = await f32((s) => (s as Wise)[key], true);
        tensors[`${t.name}.${key}`] = { dtype: 'F32', shape: [data.length], data };
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
      ...(Object.keys(rowBlocks).length > 0 ? { row_blocks: JSON.stringify(rowBlocks) } : {}),
      ...loraplusMetadata(this.loraplusLrRatio),
    };
    return { tensors, metadata };
  }

  loadState(
    step: number,
    tensors: SavedOptimizerTensors,
    path: string,
    metadata: Readonly<Record<string, string>> = {},
  ): void {
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
    const savedSplits = parseRowBlocks(metadata.row_blocks, path);
    // each parameter's saved state: its rows of the whole tensor's (and its blocks' absmax, see blockAbsmax)
    const sources = new Map<
      Parameter,
      {
        state1: Float32Array | Uint8Array;
        state2: Float32Array | Uint8Array;
        /** blockwise state only */
        absmax: [Float32Array, Float32Array];
      }
    >();
    const slots = this.#slots();
    for (const t of wholeTensors(this.params)) {
      const wise = slots.get(t.blocks[0]!.param)!.s.blockwise;
      const [state1, state2] = (['state1', 'state2'] as const).map((k) =>
        wise
          ? get<Uint8Array>(`${t.name}.${k}`, true, t.size)
          : get<Float32Array>(`${t.name}.${k}`, false, t.size),
      ) as [Float32Array | Uint8Array, Float32Array | Uint8Array];
      // float32 state is elementwise: it re-splits under any split; blockwise state only where its blocks do
      const starts = wise ? blockAbsmax(t, savedSplits[t.name], path) : undefined;
      const absmax = (['absmax1', 'absmax2'] as const).map((k) =>
        starts ? get<Float32Array>(`${t.name}.${k}`, false, starts.total) : undefined,
      );
      t.blocks.forEach((b, i) => {
        const n = b.param.data.length;
        const at = starts?.at[i] ?? 0;
        sources.set(b.param, {
          state1: state1.subarray(b.offset, b.offset + n),
          state2: state2.subarray(b.offset, b.offset + n),
          absmax: absmax.map((a) => a?.subarray(at, at + quantBlocks(n))) as [Float32Array, Float32Array],
        });
      });
    }
    for (const s of this.#groups) {
      const { group } = s;
      if (!s.blockwise) {
        group.params.forEach((p, i) => {
          const [start, end] = [group.offsets[i]!, group.offsets[i]! + p.data.length];
          const src = sources.get(p)!;
          writeHost(s.m.subarray(start, end), src.state1 as Float32Array);
          writeHost(s.v.subarray(start, end), src.state2 as Float32Array);
        });
        continue;
      }
      // codes are written a group at a time (a device may store bytes only by whole words); the padding between
      // tensors codes 0, as the kernel leaves it
      const blocks = quantBlocks(group.size);
      const host = {
        state1: new Uint8Array(codeWords(group.size)).fill(ZERO_CODE_1),
        state2: new Uint8Array(codeWords(group.size)),
        absmax1: new Float32Array(blocks),
        absmax2: new Float32Array(blocks),
      };
      group.params.forEach((p, i) => {
        const start = group.offsets[i]!;
        const b0 = start / ADAMW8BIT_BLOCKSIZE;
        const src = sources.get(p)!;
        host.state1.set(src.state1, start);
        host.state2.set(src.state2, start);
        host.absmax1.set(src.absmax[0], b0);
        host.absmax2.set(src.absmax[1], b0);
      });
      const memory = memoryOf(s.absmax1);
      memory.write(s.words[0], host.state1);
      memory.write(s.words[1], host.state2);
      writeHost(s.absmax1, host.absmax1);
      writeHost(s.absmax2, host.absmax2);
    }
    this.#step = step;
  }
}
