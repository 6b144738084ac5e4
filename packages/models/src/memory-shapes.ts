// What a model of an architecture holds while it trains, for @lora/sft's planMemory: its tensors (from the same
// TensorSpec table it loads), one decoder layer's linears by the names LoRA targets match, and the float32 values a
// training step's reusable buffers hold per token and per attention score — counted from the buffers the layers take
// (decoder-block.ts, attention.ts, sdpa.ts, mlp.ts, norm.ts, embedding.ts, causal-lm.ts, lm-head.ts) and checked
// against what a real step allocates (memory-shapes.test.ts).
import { modelNames, tensorSpecs } from './architectures/index.js';
import type { Architecture, ModelConfig } from './config.js';
import { linearShape } from './weights.js';

/** One linear of a decoder layer. */
export interface LinearMemoryShape {
  /** its module name inside the layer, e.g. "self_attn.q_proj", "attn.c_attn", "mlp.c_proj" */
  name: string;
  inFeatures: number;
  outFeatures: number;
}

/**
 * Float32 values of a training step's buffers (forward and backward, frozen base): per token (N = batch · tokens)
 * and per attention score (heads · Σ sequence length², one value per head and query–key pair).
 */
export interface StepBufferShapes {
  /** what one decoder layer keeps for its backward pass (every layer, or one shared set with checkpointing) */
  keptPerToken: number;
  keptPerScore: number;
  /** the buffers every layer shares: projections, backward intermediates, two sets of inter-layer gradients */
  sharedPerToken: number;
  sharedPerScore: number;
  /** outside the layers: embedding output, final norm and its gradient, the lm head's rows and their gradients */
  outsidePerToken: number;
  /** with gradient checkpointing, each layer's kept input (its hidden size) */
  checkpointPerToken: number;
  /**
   * sliding-window attention's window: a sequence length T above it keeps one (T, T) mask, shared by every layer
   * and kept across steps; undefined = full attention, no mask
   */
  slidingWindow?: number;
}

/** The shapes @lora/sft's planMemory takes (its ModelShapes). */
export interface MemoryShapes {
  architecture: Architecture;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** every linear of one decoder layer (all layers are alike) */
  layerLinears: LinearMemoryShape[];
  /** elements of every tensor that is not a decoder linear's weight: embeddings, positions, norms, biases, lm_head */
  denseElements: number;
  /** those tensors by Hugging Face name (what PEFT's modules_to_save selects from) */
  denseTensors: { name: string; elements: number }[];
  /** elements of the output embedding (lm_head, or the tied input embedding): the lm head multiplies by all of it */
  lmHeadElements: number;
  /**
   * that tensor's name: in a memory with a largest array its row blocks hold whole vocabulary chunks where one fits
   * (CausalLM.useMemory), and the planner predicts them so
   */
  lmHeadTensor: string;
  buffers: StepBufferShapes;
}

/** The memory shapes of `config`'s model, from its tensor specs and its layers' buffers. */
export function memoryShapes(config: ModelConfig): MemoryShapes {
  const { hiddenSize: C, intermediateSize: I, numHeads: H, numKvHeads, headDim: D } = config;
  const names = modelNames(config);
  const layer = names.layers[0];
  const prefix = layer ? `${layer.prefix}.` : '';
  const layerLinears: LinearMemoryShape[] = [];
  const denseTensors: { name: string; elements: number }[] = [];
  let lmHeadElements = 0;
  let lmHeadTensor = '';
  for (const spec of tensorSpecs(config)) {
    const elements = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.role === 'lm_head' || (spec.role === 'embedding' && config.tieWordEmbeddings))
      [lmHeadElements, lmHeadTensor] = [elements, spec.name];
    if (spec.role === 'linear' && spec.kind === 'weight') {
      if (layer && spec.module!.startsWith(prefix)) {
        const [outFeatures, inFeatures] = linearShape(spec);
        layerLinears.push({ name: spec.module!.slice(prefix.length), inFeatures, outFeatures });
      }
    } else denseTensors.push({ name: spec.name, elements });
  }
  const Q = H * D;
  const K = numKvHeads * D;
  const fused = layer !== undefined && 'qkv' in layer.attention;
  const gated = layer === undefined || !('fc' in layer.mlp);
  const fusedGateUp = layer !== undefined && 'gateUp' in layer.mlp;
  const normStats = names.normKind === 'layer' ? 2 : 1; // rstd (and mean) per row
  // kept per layer: norm1 out, q/k/v by head, attention output, residual, norm2 out, MLP intermediates and output
  // Gemma 2's post-norms keep their outputs and stats, and the attention output's copy they read in backward
  const postNorms = (layer?.postAttentionNorm ? 1 : 0) + (layer?.postMlpNorm ? 1 : 0);
  const postAttentionCopy = layer?.postAttentionNorm ? C : 0;
  const keptPerToken =
    4 * C +
    2 * Q +
    2 * K +
    (gated ? 3 : 2) * I +
    2 * normStats +
    postNorms * (C + normStats) +
    postAttentionCopy;
  // shared: forward q/k/v (+ fused qkv), attention out, sdpa out; backward dO, dO by head, dq/dk/dv twice (by head
  // and by row), dx (+ fused dqkv); MLP backward intermediates and dx; norm dx in two alternating gradient sets
  const attention = Q + 2 * K + C + Q + (Q + Q + Q + 2 * K + C) + (Q + 2 * K) + (fused ? 2 * (Q + 2 * K) : 0);
  // a fused gate_up (Phi-3) adds its (T, 2I) output and its gradient
  const mlp = (gated ? 5 : 2) * I + C + (fusedGateUp ? 4 * I : 0);
  const sharedPerToken = attention + mlp + 4 * C + postNorms * 2 * C; // a post-norm's dx in each gradient set
  // outside: embedding out (+ GPT-2's positions), final norm out and stats and dx, lm-head rows, dhidden, dfin
  const outsidePerToken = C + (names.positions ? C : 0) + C + normStats + C + 3 * C;
  return {
    architecture: config.architecture,
    vocabSize: config.vocabSize,
    hiddenSize: C,
    numLayers: config.numLayers,
    numHeads: H,
    layerLinears,
    denseElements: denseTensors.reduce((a, t) => a + t.elements, 0),
    denseTensors,
    lmHeadElements,
    lmHeadTensor,
    buffers: {
      keptPerToken,
      keptPerScore: 1, // the probabilities, per head
      sharedPerToken,
      sharedPerScore: 3, // scores, dP, dS
      outsidePerToken,
      checkpointPerToken: C,
      ...(config.slidingWindow !== undefined && { slidingWindow: config.slidingWindow }),
    },
  };
}
