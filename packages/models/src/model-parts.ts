// Assembling a model's layers from its prepared weights (transformers' *Model __init__ plus weight tying).
import type { LinearModule, Parameter } from '@lora/core';
import { Nf4Linear } from '@lora/quant-nf4';
import { architectureSpec, type ModelNames, type TensorSpec } from './architectures/index.js';
import { Attention } from './attention.js';
import type { ModelConfig } from './config.js';
import { DecoderBlock } from './decoder-block.js';
import { DenseLinear } from './dense-linear.js';
import { ModelLoadError } from './errors.js';
import { Mlp } from './mlp.js';
import { Norm } from './norm.js';
import { makeParameter } from './parameter.js';
import { RopeTables } from './rope.js';
import { RowBlocks } from './row-blocks.js';
import { isQuantized, linearShape, type PreparedWeight } from './weights.js';

export interface ModelParts {
  names: ModelNames;
  specs: TensorSpec[];
  /** every linear by Hugging Face module name; replaceable */
  linears: Map<string, LinearModule>;
  /** the token embedding (V, C), as row blocks (one unless a memory's array limit split it) */
  embed: RowBlocks;
  /** GPT-2's learned positions (P, C) */
  positions: RowBlocks | undefined;
  /** the output embedding (V, C): `embed` itself when tied */
  lmHead: RowBlocks;
  blocks: DecoderBlock[];
  finalNorm: Norm;
  norms: Norm[];
  /** Gemma's √hidden embedding normaliser, in float32 */
  embedScale: number | undefined;
  /** Gemma 2's final_logit_softcapping: logits = cap · tanh(logits / cap) */
  logitSoftcap: number | undefined;
}

export function buildModelParts(
  config: ModelConfig,
  weight: (spec: TensorSpec) => PreparedWeight,
): ModelParts {
  const arch = architectureSpec(config);
  const names = arch.names(config);
  const specs = arch.tensors(config);
  const linears = new Map<string, LinearModule>();
  const dense = new Map<string, Float32Array>();
  const bySpec = new Map<string, TensorSpec>();
  const quantized = new Map<string, Exclude<PreparedWeight, Float32Array>>();
  for (const spec of specs) {
    bySpec.set(spec.name, spec);
    const w = weight(spec);
    if (!isQuantized(w)) dense.set(spec.name, w);
    else if (spec.role === 'linear' && spec.kind === 'weight') quantized.set(spec.module!, w);
    else throw new ModelLoadError(`tensor "${spec.name}" is 4-bit, but only linear weights may be quantized`);
  }
  for (const spec of specs) {
    if (spec.role !== 'linear' || spec.kind !== 'weight') continue;
    const name = spec.module!;
    const bias = dense.get(`${name}.bias`);
    const q = quantized.get(name);
    const [outFeatures, inFeatures] = linearShape(spec);
    linears.set(
      name,
      q
        ? new Nf4Linear({ name, weight: q, bias })
        : new DenseLinear({ name, inFeatures, outFeatures, weight: dense.get(spec.name)!, bias }),
    );
  }
  const param = (name: string, decay: boolean): Parameter =>
    makeParameter(name, bySpec.get(name)!.shape, dense.get(name)!, decay);
  const embed = new RowBlocks(param(names.embed, true));
  const norms: Norm[] = [];
  const norm = (prefix: string): Norm => {
    const bias = names.normKind === 'layer' ? param(`${prefix}.bias`, false) : undefined;
    const n = new Norm(names.normKind, param(`${prefix}.weight`, false), config.normEps, bias);
    norms.push(n);
    return n;
  };
  const { headDim, numHeads, numKvHeads } = config;
  const rope =
    arch.positions === 'rope' ? new RopeTables(headDim, config.ropeTheta, config.ropeScaling) : undefined;
  const linear = (name: string) => linears.get(name)!;
  const blocks = names.layers.map((layer, i) => {
    const n1 = norm(layer.norm1);
    // transformers: head_dim^−½ (Gemma 2: query_pre_attn_scalar^−½), GPT-2 also / (layer + 1)
    const scale =
      1 / Math.sqrt(config.queryPreAttnScalar ?? headDim) / (config.scaleAttnByInverseLayerIdx ? i + 1 : 1);
    const attentionSpec = {
      heads: numHeads,
      kvHeads: numKvHeads,
      headDim,
      scale,
      rope,
      window: config.slidingLayers?.[i] === false ? undefined : config.slidingWindow,
      softcap: config.attnLogitSoftcapping,
      names: layer.attention,
    };
    const attention = new Attention(attentionSpec, linear);
    const postAttention = layer.postAttentionNorm ? norm(layer.postAttentionNorm) : undefined;
    const n2 = norm(layer.norm2);
    const mlp = new Mlp(arch.activation, layer.mlp, linear);
    const postMlp = layer.postMlpNorm ? norm(layer.postMlpNorm) : undefined;
    return new DecoderBlock(n1, attention, n2, mlp, { attention: postAttention, mlp: postMlp });
  });
  return {
    names,
    specs,
    linears,
    embed,
    positions: names.positions ? new RowBlocks(param(names.positions, true)) : undefined,
    lmHead: names.lmHead ? new RowBlocks(param(names.lmHead, true)) : embed,
    blocks,
    finalNorm: norm(names.finalNorm),
    norms,
    embedScale: arch.embedScale(config),
    logitSoftcap: config.finalLogitSoftcapping,
  };
}
