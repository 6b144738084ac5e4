// A decoder-only causal LM (transformers *ForCausalLM) built from Hugging Face weights: training step with a fused
// lm head + cross-entropy over row tiles and backward (llm.c style) in reused buffers, per-layer gradient
// checkpointing, KV-cache decoding, export and save.
import type { ForwardContext, LinearContainer, LinearModule, Parameter } from '@lora/core';
import { createPrng } from '@lora/core';
import type { TensorSpec } from './architectures.js';
import type { IncrementalLayout } from './attention.js';
import {
  batchLayout,
  checkPositionIds,
  checkTokens,
  type StepOptions,
  type StepResult,
  shiftedTargets,
  type TokenBatch,
} from './batch.js';
import { alloc } from './buffers.js';
import type { ModelConfig } from './config.js';
import type { BlockCache } from './decoder-block.js';
import { embedBackward, embedForward } from './embedding.js';
import { ModelInputError, ModelLoadError } from './errors.js';
import { type ExportedTensor, exportModelWeights } from './export-weights.js';
import { KvCache } from './kv-cache.js';
import { lmHeadLogits, lmHeadLoss } from './lm-head.js';
import { loadCheckpoint } from './load.js';
import { buildModelParts, type ModelParts } from './model-parts.js';
import { gradOf } from './parameter.js';
import { type SaveOptions, saveCheckpoint } from './save.js';
import { type LoadOptions, type PreparedWeight, prepareDense, showShape } from './weights.js';
import { type ArrayMemory, Workspace } from './workspace.js';

export class CausalLM implements LinearContainer {
  readonly config: ModelConfig;
  /** the loss holds rows × vocabChunk logits at once (whole vocabulary rows, at least one): see LoadOptions */
  vocabChunk: number;
  readonly #p: ModelParts;
  readonly #memory: ArrayMemory = {};
  readonly #workspace = new Workspace(this.#memory);

  private constructor(
    config: ModelConfig,
    weight: (spec: TensorSpec) => PreparedWeight,
    options: LoadOptions,
  ) {
    this.config = config;
    this.vocabChunk = options.vocabChunk ?? 8192;
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
    return new CausalLM(
      config,
      (spec) => {
        const data =
          tensors(spec.name) ??
          (config.architecture === 'gpt2' ? tensors(spec.name.replace(/^transformer\./, '')) : undefined);
        if (!data)
          throw new ModelLoadError(
            `${source}: missing tensor "${spec.name}" (shape ${showShape(spec.shape)})`,
          );
        return prepareDense(spec, data, source, options.quantize);
      },
      options,
    );
  }

  /** Every parameter by Hugging Face name (the linears' own, e.g. LoRA's, once replaced); frozen unless made trainable. */
  parameters(): Parameter[] {
    const out: Parameter[] = [this.#p.embed];
    if (this.#p.positions) out.push(this.#p.positions);
    const norms = new Map(this.#p.norms.map((n) => [n.weight.name, n]));
    for (const spec of this.#p.specs) {
      if (spec.role === 'norm' && spec.kind === 'weight') out.push(...norms.get(spec.name)!.parameters());
      if (spec.role === 'linear' && spec.kind === 'weight')
        out.push(...this.#p.linears.get(spec.module!)!.parameters());
    }
    if (this.#p.lmHead !== this.#p.embed) out.push(this.#p.lmHead);
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
   * Activations live in buffers reused from one step to the next (see useMemory), so after the first step of a
   * shape a step allocates next to nothing.
   */
  step(batch: TokenBatch, options: StepOptions): StepResult {
    const { vocabSize: V, hiddenSize: C } = this.config;
    const { batch: B, seqLen: T, attentionMask: mask, positionIds } = batch;
    checkTokens('step', batch.inputIds, B, T, V, mask);
    if (positionIds !== undefined) checkPositionIds('step', positionIds, B, T, mask);
    const targets = shiftedTargets(batch, V); // (N)
    const layout = batchLayout(B, T, mask, positionIds);
    this.#checkPositions(layout.positions);
    const alpha = options.training ? (options.neftuneNoiseAlpha ?? 0) : 0;
    if (alpha > 0 && !options.rng)
      throw new ModelInputError('step: neftuneNoiseAlpha expected an rng in StepOptions, got none');
    const rng = options.rng;
    const neftune = alpha > 0 ? { alpha, seqLen: T, rng: rng! } : undefined;
    const ids = batch.inputIds;
    const N = B * T;
    const ws = this.#workspace;
    let x = embedForward(
      {
        ids,
        table: this.#p.embed.data,
        tokens: N,
        dim: C,
        scale: this.#p.embedScale,
        ...this.#positionArgs(layout.positions),
        neftune,
      },
      ws.scope('embedding'),
    ); // (N, C)
    const seeds = this.#p.blocks.map(() => (rng ? Math.floor(rng() * 2 ** 32) : 0));
    const ctxOf = (i: number): ForwardContext => ({
      training: options.training,
      rng: rng ? createPrng(seeds[i]!).next : undefined,
    });
    const keep = options.backward;
    const checkpoint = keep && (options.gradientCheckpointing ?? false);
    // without checkpointing every layer keeps its activations; with it, layers share one set and keep their inputs
    const layerWs = (i: number) => (checkpoint ? ws.scope('checkpointed') : ws.scope(`layers.${i}`));
    const inputs: Float32Array[] = [];
    const caches: (BlockCache | undefined)[] = [];
    this.#p.blocks.forEach((block, i) => {
      if (checkpoint) {
        const input = ws.scope(`layers.${i}`).take('input', x, x.length); // (N, C)
        input.set(x);
        x = input;
      }
      const r = block.forward(x, layout, ctxOf(i), layerWs(i));
      if (keep) inputs.push(x);
      caches.push(keep && !checkpoint ? r.cache : undefined);
      x = r.out;
    });
    const fin = this.#p.finalNorm.forward(x, N, ws.scope('final-norm')); // (N, C)
    const head = ws.scope('lm-head');
    let M = 0;
    for (let i = 0; i < N; i++) if (targets[i]! >= 0) M++;
    const rows = new Int32Array(M); // rows with a target
    const rowTargets = new Int32Array(M); // (M)
    const hidden = head.take('hidden', x, M * C); // (M, C)
    for (let i = 0, j = 0; i < N; i++) {
      if (targets[i]! < 0) continue;
      rows[j] = i;
      rowTargets[j] = targets[i]!;
      hidden.set(fin.out.subarray(i * C, (i + 1) * C), j * C);
      j++;
    }
    const loss = lmHeadLoss(
      {
        hidden,
        rows: M,
        weight: this.#p.lmHead,
        vocab: V,
        dim: C,
        targets: rowTargets,
        chunk: this.vocabChunk,
        backward: options.backward,
        lossScale: options.lossScale ?? 1,
      },
      head,
    );
    if (options.backward && loss.dhidden) {
      const dfin = head.take('dfin', x, N * C, true); // (N, C)
      for (let j = 0; j < M; j++) dfin.set(loss.dhidden.subarray(j * C, (j + 1) * C), rows[j]! * C);
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
          tableGrad: this.#p.embed.trainable ? gradOf(this.#p.embed) : undefined,
          positions: layout.positions,
          positionGrad: this.#p.positions?.trainable ? gradOf(this.#p.positions) : undefined,
        },
        ws.scope('embedding'),
      );
    }
    return { lossSum: loss.lossSum, tokens: loss.tokens, correct: loss.correct };
  }

  /**
   * Puts every parameter (and gradient) and step()'s reusable buffers in arrays from `memory.allocate` — e.g.
   * `{ allocate: wasmAllocF32, free: wasmFree }` from @lora/backend-wasm, whose kernels then read and write them in
   * place instead of copying them in and out on every call. Parameter arrays are replaced (values kept): call it
   * before creating an optimizer, and after injecting adapters so theirs move too.
   */
  useMemory(memory: ArrayMemory): void {
    this.#workspace.clear();
    this.#memory.allocate = memory.allocate;
    this.#memory.free = memory.free;
    const allocate = memory.allocate;
    if (!allocate) return;
    const move = (a: Float32Array): Float32Array => {
      const moved = allocate(a.length);
      moved.set(a);
      return moved;
    };
    for (const p of new Set(this.parameters())) {
      if (!(p.data instanceof Float32Array) || p.data.length === 0) continue;
      p.data = move(p.data);
      if (p.grad) p.grad = move(p.grad);
    }
  }

  #positionArgs(positions: Int32Array) {
    return this.#p.positions ? { positionTable: this.#p.positions.data, positions } : {};
  }

  #checkPositions(positions: Int32Array): void {
    if (!this.#p.positions) return;
    const max = positions.reduce((a, b) => Math.max(a, b), 0);
    if (max >= this.config.maxPositions) {
      throw new ModelInputError(
        `positions: expected fewer than n_positions = ${this.config.maxPositions} tokens per sequence, got position ${max}`,
      );
    }
  }

  /**
   * (B, T, V) logits of every position, for tests and evaluation (padding positions hold meaningless values);
   * `positionIds` as in TokenBatch (packed rows).
   */
  logits(
    inputIds: Int32Array,
    batch: number,
    seqLen: number,
    attentionMask?: Uint8Array,
    positionIds?: Int32Array,
  ): Float32Array {
    const { vocabSize: V, hiddenSize: C } = this.config;
    checkTokens('logits', inputIds, batch, seqLen, V, attentionMask);
    if (positionIds !== undefined) checkPositionIds('logits', positionIds, batch, seqLen, attentionMask);
    const layout = batchLayout(batch, seqLen, attentionMask, positionIds);
    this.#checkPositions(layout.positions);
    const N = batch * seqLen;
    let x = embedForward({
      ids: inputIds,
      table: this.#p.embed.data,
      tokens: N,
      dim: C,
      scale: this.#p.embedScale,
      ...this.#positionArgs(layout.positions),
    });
    for (const block of this.#p.blocks) x = block.forward(x, layout, { training: false }).out;
    return lmHeadLogits(this.#p.finalNorm.forward(x, N).out, N, this.#p.lmHead.data, V, C);
  }

  createKvCache(batch: number, maxTokens: number): KvCache {
    if (!Number.isInteger(batch) || batch <= 0 || !Number.isInteger(maxTokens) || maxTokens <= 0) {
      throw new ModelInputError(
        `createKvCache: batch and maxTokens expected positive integers, got ${batch} and ${maxTokens}`,
      );
    }
    return new KvCache(batch, maxTokens, this.config.numLayers, this.config.numKvHeads, this.config.headDim);
  }

  /**
   * Logits (B, V) of each row's last new token, appending the new tokens to `cache`. `attentionMask` covers either the
   * new tokens (B, n) or, as generate() passes it, every token so far (B, length + n). Use left padding for prompts.
   * Positions always come from the mask here: decoding takes no packed position ids (one sequence per row).
   */
  forwardIncremental(
    inputIds: Int32Array,
    batch: number,
    newTokens: number,
    cache: KvCache,
    attentionMask?: Uint8Array,
  ): Float32Array {
    const { vocabSize: V, hiddenSize: C } = this.config;
    const mask = cache.newTokenMask(batch, newTokens, attentionMask);
    checkTokens('forwardIncremental', inputIds, batch, newTokens, V, mask);
    const positions = cache.positionsOf(newTokens, mask); // (B·n)
    this.#checkPositions(positions);
    const start = cache.length;
    cache.record(newTokens, mask);
    const layout: IncrementalLayout = {
      batch,
      queries: newTokens,
      start,
      capacity: cache.capacity,
      positions,
      mask: cache.mask,
    };
    const N = batch * newTokens;
    let x = embedForward({
      ids: inputIds,
      table: this.#p.embed.data,
      tokens: N,
      dim: C,
      scale: this.#p.embedScale,
      ...this.#positionArgs(positions),
    });
    this.#p.blocks.forEach((block, l) => {
      x = block.forwardIncremental(x, cache.layers[l]!, layout, { training: false });
    });
    cache.length = start + newTokens;
    const last = alloc(x, batch * C); // (B, C) each row's last new token
    for (let b = 0; b < batch; b++)
      last.set(x.subarray(((b + 1) * newTokens - 1) * C, (b + 1) * newTokens * C), b * C);
    return lmHeadLogits(this.#p.finalNorm.forward(last, batch).out, batch, this.#p.lmHead.data, V, C);
  }

  /** Dense weights by Hugging Face name and layout (GPT-2 Conv1D back to [in, out]; 4-bit and adapters merged). */
  exportWeights(): Map<string, ExportedTensor> {
    return exportModelWeights(this.#p.specs, this.#p.linears, (name) => this.#denseParameter(name));
  }

  #denseParameter(name: string): Float32Array {
    if (name === this.#p.embed.name) return this.#p.embed.data;
    if (this.#p.positions && name === this.#p.positions.name) return this.#p.positions.data;
    if (name === this.#p.lmHead.name) return this.#p.lmHead.data;
    for (const n of this.#p.norms) for (const p of n.parameters()) if (p.name === name) return p.data;
    throw new ModelInputError(`exportWeights: no parameter named "${name}"`);
  }

  /** Writes config.json and model.safetensors (sharded above 5 GB) into `dir`, each file atomically. */
  async save(dir: string, options: SaveOptions = {}): Promise<void> {
    await saveCheckpoint(dir, this.config.raw, this.exportWeights(), options);
  }
}
