// A decoder-only causal LM (transformers *ForCausalLM) built from Hugging Face weights: training step with a fused
// lm head + cross-entropy over row tiles and backward (llm.c style) in reused buffers, per-layer gradient
// checkpointing, KV-cache decoding (the forward passes without training are inference.ts's), export and save.
import {
  createPrng,
  type DeviceMemory,
  type F32,
  type ForwardContext,
  hostMemory,
  kernel,
  type LinearContainer,
  type LinearModule,
  memoryOf,
  type Parameter,
  toHost,
} from '@lora/core';
import {
  architectureSpec,
  checkpointNaming,
  type LoraDefaults,
  type TensorSpec,
} from './architectures/index.js';
import {
  batchLayout,
  checkPositionIds,
  checkTokens,
  layoutIndexArrays,
  placeLayout,
  type StepOptions,
  type StepResult,
  shiftedTargets,
  type TokenBatch,
} from './batch.js';
import { copyInto } from './buffers.js';
import type { ModelConfig } from './config.js';
import type { BlockCache } from './decoder-block.js';
import { embedBackward } from './embedding.js';
import { ModelInputError, ModelLoadError } from './errors.js';
import { type ExportedTensor, exportModelWeights } from './export-weights.js';
import {
  allPositionLogits,
  checkPositions,
  embedTokens,
  type InferenceModel,
  incrementalLogits,
} from './inference.js';
import { KvCache } from './kv-cache.js';
import { lmHeadLoss } from './lm-head.js';
import { loadCheckpoint } from './load.js';
import { checkFits } from './memory-fit.js';
import { buildModelParts, type ModelParts } from './model-parts.js';
import { gradOf } from './parameter.js';
import type { RowBlocks } from './row-blocks.js';
import { type SaveOptions, saveCheckpoint } from './save.js';
import {
  DEFAULT_VOCAB_CHUNK,
  type LoadOptions,
  type PreparedWeight,
  prepareDense,
  showShape,
} from './weights.js';
import { Workspace } from './workspace.js';

/** A step's loss totals in the model's memory: [Σ token loss, tokens, correct] (see CausalLM.stepInto). */
export const STEP_STATS = 3;

export class CausalLM implements LinearContainer {
  readonly config: ModelConfig;
  /** the loss holds rows × vocabChunk logits at once (whole vocabulary rows, at least one): see LoadOptions */
  vocabChunk: number;
  readonly #p: ModelParts;
  #memory: DeviceMemory = hostMemory;
  /** training and scoring buffers */
  readonly #workspace = new Workspace();
  /** decoding buffers, one scope per layer */
  readonly #decoding = new Workspace();

  private constructor(
    config: ModelConfig,
    weight: (spec: TensorSpec) => PreparedWeight,
    options: LoadOptions,
  ) {
    this.config = config;
    this.vocabChunk = options.vocabChunk ?? DEFAULT_VOCAB_CHUNK;
    this.#p = buildModelParts(config, weight);
  }

  /** Reads config.json and model.safetensors (or a sharded index) from `dir`; see LoadOptions for 4-bit loading. */
  static async load(dir: string, options: LoadOptions = {}): Promise<CausalLM> {
    const { config, weights } = await loadCheckpoint(dir, options);
    return new CausalLM(config, (spec) => weights.get(spec.name)!, options);
  }

  /**
   * Builds a model from tensors by Hugging Face name in their stored layout (GPT-2 Conv1D [in, out]); arrays are used
   * without copying. Throws ModelLoadError naming a missing tensor or a wrong element count.
   */
  static fromWeights(
    config: ModelConfig,
    tensors: (name: string) => Float32Array | undefined,
    options: LoadOptions & { source?: string } = {},
  ): CausalLM {
    const source = options.source ?? 'fromWeights';
    const nameOf = checkpointNaming(config, (name) => tensors(name) !== undefined);
    return new CausalLM(
      config,
      (spec) => {
        const data = tensors(nameOf(spec.name));
        if (!data)
          throw new ModelLoadError(
            `${source}: missing tensor "${spec.name}" (shape ${showShape(spec.shape)})`,
          );
        return prepareDense(spec, data, source, options.quantize);
      },
      options,
    );
  }

  /**
   * PEFT's and mlx-lm's defaults for this architecture (target modules when target_modules is null, Conv1D's
   * fan_in_fan_out, mlx-lm's keys), from its spec: @lora/peft reads them here.
   */
  get adapterDefaults(): LoraDefaults & { modelType: string } {
    return { modelType: this.config.architecture, ...architectureSpec(this.config).lora };
  }

  /** Every parameter by Hugging Face name (the linears' own, e.g. LoRA's, once replaced); frozen unless made trainable. */
  parameters(): Parameter[] {
    const out: Parameter[] = [...this.#p.embed.parts];
    if (this.#p.positions) out.push(...this.#p.positions.parts);
    const norms = new Map(this.#p.norms.map((n) => [n.weight.name, n]));
    for (const spec of this.#p.specs) {
      if (spec.role === 'norm' && spec.kind === 'weight') out.push(...norms.get(spec.name)!.parameters());
      if (spec.role === 'linear' && spec.kind === 'weight')
        out.push(...this.#p.linears.get(spec.module!)!.parameters());
    }
    if (this.#p.lmHead !== this.#p.embed) out.push(...this.#p.lmHead.parts);
    return out;
  }

  /** Marks each parameter trainable when `predicate(name)` holds (allocating its gradient), frozen otherwise. */
  setTrainable(predicate: (name: string) => boolean): void {
    for (const p of this.parameters()) {
      p.trainable = predicate(p.name);
      if (p.trainable) gradOf(p);
      else p.grad = undefined;
    }
  }

  linearModules(): Map<string, LinearModule> {
    return new Map(this.#p.linears);
  }

  replaceLinear(name: string, module: LinearModule): void {
    const old = this.#p.linears.get(name);
    if (!old)
      throw new ModelInputError(
        `replaceLinear: expected one of the ${this.#p.linears.size} linear names (e.g. "${this.#p.linears.keys().next().value}"), got "${name}"`,
      );
    if (module.inFeatures !== old.inFeatures || module.outFeatures !== old.outFeatures) {
      throw new ModelInputError(
        `replaceLinear ${name}: expected ${old.inFeatures} → ${old.outFeatures} features, got ${module.inFeatures} → ${module.outFeatures}`,
      );
    }
    this.#p.linears.set(name, module);
  }

  /**
   * Loss over the label tokens of a batch; with `backward`, gradients of lossScale · lossSum into trainable params.
   * With `batch.positionIds` (packed rows), each packed example gets its own positions and attends only to itself.
   * Reads the totals back (one read); a training loop that accumulates micro-batches uses stepInto and reads once.
   */
  async step(batch: TokenBatch, options: StepOptions): Promise<StepResult> {
    const stats = this.#workspace.take('step-stats', this.#like, STEP_STATS, true); // zeroed
    this.stepInto(batch, options, stats);
    const [lossSum, tokens, correct] = await toHost(stats);
    return { lossSum: lossSum!, tokens: tokens!, correct: correct! };
  }

  /**
   * The step without reading anything back: queues its kernels and adds [Σ token loss, tokens, correct] into
   * `stats` (STEP_STATS values in the model's memory). Activations live in buffers reused from one step to the next,
   * so after the first step of a shape a step allocates next to nothing; the batch's ids, positions and targets are
   * what it uploads.
   */
  stepInto(batch: TokenBatch, options: StepOptions, stats: F32): void {
    const { vocabSize: V, hiddenSize: C } = this.config;
    const { batch: B, seqLen: T, attentionMask: mask, positionIds } = batch;
    checkTokens('step', batch.inputIds, B, T, V, mask);
    if (positionIds !== undefined) checkPositionIds('step', positionIds, B, T, mask);
    if (stats.length < STEP_STATS)
      throw new ModelInputError(`step: stats expected ${STEP_STATS} values, got ${stats.length}`);
    const targets = shiftedTargets(batch, V); // (N)
    const ws = this.#workspace;
    const hostLayout = batchLayout(B, T, mask, positionIds);
    const rowList: number[] = []; // rows with a target
    for (let i = 0; i < B * T; i++) if (targets[i]! >= 0) rowList.push(i);
    // the step's one upload: token ids, positions, padding, segments, target rows and targets
    const placed = ws.uploadAll('step-indices', {
      ...layoutIndexArrays(hostLayout),
      ids: batch.inputIds,
      'target-rows': Int32Array.from(rowList), // (M)
      targets: Int32Array.from(rowList, (i) => targets[i]!), // (M)
    });
    const layout = placeLayout(hostLayout, (key) => placed[key]!);
    checkPositions(this.#inference(), layout.positions);
    const alpha = options.training ? (options.neftuneNoiseAlpha ?? 0) : 0;
    if (alpha > 0 && !options.rng)
      throw new ModelInputError('step: neftuneNoiseAlpha expected an rng in StepOptions, got none');
    const rng = options.rng;
    const neftune = alpha > 0 ? { alpha, seqLen: T, seed: Math.floor(rng!() * 2 ** 32) } : undefined;
    const ids = placed.ids!;
    const N = B * T;
    let x = embedTokens(this.#p, C, ids, N, layout.device.positions, ws, neftune); // (N, C)
    const seeds = this.#p.blocks.map(() => (rng ? Math.floor(rng() * 2 ** 32) : 0));
    const ctxOf = (i: number): ForwardContext => ({
      training: options.training,
      rng: rng ? createPrng(seeds[i]!).next : undefined,
    });
    const keep = options.backward;
    const checkpoint = keep && (options.gradientCheckpointing ?? false);
    // without checkpointing every layer keeps its activations; with it, layers share one set and keep their inputs
    const layerWs = (i: number) => (checkpoint ? ws.scope('checkpointed') : ws.scope(`layers.${i}`));
    const inputs: F32[] = [];
    const caches: (BlockCache | undefined)[] = [];
    this.#p.blocks.forEach((block, i) => {
      if (checkpoint) {
        const input = ws.scope(`layers.${i}`).take('input', x, x.length); // (N, C)
        copyInto(input, x);
        x = input;
      }
      const r = block.forward(x, layout, ctxOf(i), layerWs(i));
      if (keep) inputs.push(x);
      caches.push(keep && !checkpoint ? r.cache : undefined);
      x = r.out;
    });
    const fin = this.#p.finalNorm.forward(x, N, ws.scope('final-norm')); // (N, C)
    const head = ws.scope('lm-head');
    const M = rowList.length;
    const [rows, rowTargets] = [placed['target-rows']!, placed.targets!]; // (M), (M)
    const hidden = head.take('hidden', x, M * C); // (M, C)
    kernel('embedding')({ ids: rows, table: fin.out, out: hidden, tokens: M, dim: C }); // gather the target rows
    const loss = lmHeadLoss(
      {
        hidden,
        rows: M,
        weight: this.#p.lmHead.parts,
        vocab: V,
        dim: C,
        targets: rowTargets,
        chunk: this.vocabChunk,
        backward: options.backward,
        lossScale: options.lossScale ?? 1,
        stats,
        softcap: this.#p.logitSoftcap,
      },
      head,
    );
    if (options.backward && loss.dhidden) {
      const dfin = head.take('dfin', x, N * C, true); // (N, C)
      kernel('embeddingBackward')({
        ids: rows,
        dout: loss.dhidden,
        dtableAccumulate: dfin,
        tokens: M,
        dim: C,
      });
      let dx = this.#p.finalNorm.backward(dfin, fin.cache, ws.scope('final-norm'));
      for (let i = this.#p.blocks.length - 1; i >= 0; i--) {
        const block = this.#p.blocks[i]!;
        const cache = caches[i] ?? block.forward(inputs[i]!, layout, ctxOf(i), layerWs(i)).cache;
        caches[i] = undefined;
        // a block's dx is read only by the block below it: two alternating sets of gradient buffers suffice
        dx = block.backward(dx, cache, layout, ws.scope(`gradients.${i % 2}`));
      }
      embedBackward(
        {
          dout: dx,
          ids,
          tokens: N,
          dim: C,
          scale: this.#p.embedScale,
          tableGrad: this.#p.embed.grads(gradOf),
          positions: layout.device.positions,
          positionGrad: this.#p.positions?.grads(gradOf),
        },
        ws.scope('embedding'),
      );
    }
  }

  /**
   * Moves the model into `memory` — the active backend's `deviceMemory()`, e.g. a GPU's — so its kernels use the
   * arrays in place: every parameter (and gradient) is copied there (values kept; parameter arrays are replaced), the
   * linears move what else they hold (4-bit codes and scales), and step()'s reusable buffers are dropped to be
   * reallocated there. Call it after injecting adapters (so theirs move too) and before creating an optimizer.
   */
  async useMemory(memory: DeviceMemory): Promise<void> {
    const tables = this.#tables();
    const blocked = new Set(tables.flatMap((t) => t.parts));
    const params = this.parameters().filter((p) => !blocked.has(p));
    checkFits(tables, params, this.#p.linears, memory);
    this.#workspace.clear();
    this.#decoding.clear();
    const move = async (a: F32): Promise<F32> => {
      if (memoryOf(a) === memory) return a; // read straight into it at load (LoadOptions.memory)
      const host = await toHost(a);
      memoryOf(a).free(a); // nothing on the JS heap; a GPU buffer or a wasm block goes back to its memory
      return memory.upload(host);
    };
    // the lm head's blocks hold whole vocabulary chunks, so a chunk of the loss never straddles two
    for (const table of tables) await table.moveTo(memory, table === this.#p.lmHead ? this.vocabChunk : 1);
    for (const p of new Set(params)) {
      if (p.data instanceof Float64Array || p.data.length === 0) continue;
      p.data = await move(p.data);
      if (p.grad) p.grad = await move(p.grad);
    }
    for (const linear of new Set(this.#p.linears.values())) linear.useMemory?.(memory);
    this.#memory = memory;
    this.#workspace.memory = memory;
    this.#decoding.memory = memory;
  }

  /** The tables read by rows, each once (the embedding, GPT-2's positions, a separate lm_head). */
  #tables(): RowBlocks[] {
    const { embed, positions, lmHead } = this.#p;
    return [...new Set([embed, ...(positions ? [positions] : []), lmHead])];
  }

  /** An array of the model's memory and element type, for allocating beside the weights. */
  get #like(): F32 {
    return this.#p.embed.parts[0]!.data;
  }

  /** The memory the model's arrays live in (the host until useMemory moves them). */
  get memory(): DeviceMemory {
    return this.#memory;
  }

  /** What the forward passes without training (inference.ts) read of the model. */
  #inference(): InferenceModel {
    return { config: this.config, parts: this.#p, memory: this.#memory, decoding: this.#decoding };
  }

  /**
   * (B, T, V) logits of every position, for tests and evaluation (padding positions hold meaningless values);
   * `positionIds` as in TokenBatch (packed rows). Read back to the host into one array; on the device they are made
   * in row chunks that each fit the memory's largest array (a GPU's largest storage binding), and a memory whose
   * largest array holds less than one row of V is refused before anything runs.
   */
  logits(
    inputIds: Int32Array,
    batch: number,
    seqLen: number,
    attentionMask?: Uint8Array,
    positionIds?: Int32Array,
  ): Promise<Float32Array> {
    return allPositionLogits(this.#inference(), inputIds, batch, seqLen, attentionMask, positionIds);
  }

  createKvCache(batch: number, maxTokens: number): KvCache {
    if (!Number.isInteger(batch) || batch <= 0 || !Number.isInteger(maxTokens) || maxTokens <= 0) {
      throw new ModelInputError(
        `createKvCache: batch and maxTokens expected positive integers, got ${batch} and ${maxTokens}`,
      );
    }
    const { numLayers, numKvHeads, headDim } = this.config;
    return new KvCache(batch, maxTokens, numLayers, numKvHeads, headDim, this.#memory);
  }

  /**
   * Logits (B, V) of each row's last new token, appending the new tokens to `cache`, read back to the host.
   * `attentionMask` covers either the new tokens (B, n) or, as generate() passes it, every token so far
   * (B, length + n). Use left padding for prompts. Positions always come from the mask here: decoding takes no
   * packed position ids (one sequence per row).
   */
  forwardIncremental(
    inputIds: Int32Array,
    batch: number,
    newTokens: number,
    cache: KvCache,
    attentionMask?: Uint8Array,
  ): Promise<Float32Array> {
    return incrementalLogits(this.#inference(), inputIds, batch, newTokens, cache, attentionMask);
  }

  /**
   * Dense weights by Hugging Face name and layout (GPT-2 Conv1D back to [in, out]; 4-bit and adapters merged), read
   * back to the host.
   */
  exportWeights(): Promise<Map<string, ExportedTensor>> {
    return exportModelWeights(this.#p.specs, this.#p.linears, (name) => this.#denseParameter(name));
  }

  /** A dense parameter's values by name, read back to the host (a table's row blocks joined). */
  #denseParameter(name: string): Promise<Float32Array> {
    for (const table of this.#tables()) if (name === table.name) return table.read();
    for (const n of this.#p.norms) for (const p of n.parameters()) if (p.name === name) return toHost(p.data);
    throw new ModelInputError(`exportWeights: no parameter named "${name}"`);
  }

  /** Writes config.json and model.safetensors (sharded above 5 GB) into `dir`, each file atomically. */
  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    await saveCheckpoint(dir, this.config.raw, await this.exportWeights(), options);
  }
}
