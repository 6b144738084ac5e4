// Hugging Face tensor names and shapes of each architecture's state dict (modeling_llama / modeling_qwen2 /
// modeling_gpt2 / modeling_gemma), the single place that knows them.
import type { AttentionNames } from './attention.js';
import type { ModelConfig } from './config.js';
import type { MlpNames } from './mlp.js';
import type { NormKind } from './norm.js';

/** What a checkpoint tensor is: an embedding, position table, norm, linear weight or the output head. */
export type TensorRole = 'embedding' | 'positions' | 'norm' | 'linear' | 'lm_head';

/** One tensor an architecture reads from a checkpoint: its Hugging Face name, stored shape and role. */
export interface TensorSpec {
  /** Hugging Face state-dict name, e.g. "model.layers.0.self_attn.q_proj.weight" */
  name: string;
  /** the shape as stored in the checkpoint (GPT-2 Conv1D weights are [in, out]) */
  shape: number[];
  role: TensorRole;
  /** for linear weights and biases: the module name, e.g. "model.layers.0.self_attn.q_proj" */
  module?: string;
  /** stored [in, out] (transformers Conv1D): transposed to (out, in) on load and back on export */
  conv1d?: boolean;
  /** "weight" or "bias" */
  kind: 'weight' | 'bias';
}

export interface LayerNames {
  prefix: string;
  norm1: string;
  norm2: string;
  attention: AttentionNames;
  mlp: MlpNames;
}

export interface ModelNames {
  embed: string;
  positions?: string;
  finalNorm: string;
  lmHead?: string;
  normKind: NormKind;
  layers: LayerNames[];
}

/** The Hugging Face tensor and module names of a model, layer by layer, for its architecture. */
export function modelNames(config: ModelConfig): ModelNames {
  const layers: LayerNames[] = [];
  if (config.architecture === 'gpt2') {
    for (let i = 0; i < config.numLayers; i++) {
      const p = `transformer.h.${i}`;
      layers.push({
        prefix: p,
        norm1: `${p}.ln_1`,
        norm2: `${p}.ln_2`,
        attention: { qkv: `${p}.attn.c_attn`, o: `${p}.attn.c_proj` },
        mlp: { fc: `${p}.mlp.c_fc`, proj: `${p}.mlp.c_proj` },
      });
    }
    return {
      embed: 'transformer.wte.weight',
      positions: 'transformer.wpe.weight',
      finalNorm: 'transformer.ln_f',
      lmHead: config.tieWordEmbeddings ? undefined : 'lm_head.weight',
      normKind: 'layer',
      layers,
    };
  }
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    const a = `${p}.self_attn`;
    layers.push({
      prefix: p,
      norm1: `${p}.input_layernorm`,
      norm2: `${p}.post_attention_layernorm`,
      attention: { q: `${a}.q_proj`, k: `${a}.k_proj`, v: `${a}.v_proj`, o: `${a}.o_proj` },
      mlp: { gate: `${p}.mlp.gate_proj`, up: `${p}.mlp.up_proj`, down: `${p}.mlp.down_proj` },
    });
  }
  return {
    embed: 'model.embed_tokens.weight',
    finalNorm: 'model.norm',
    lmHead: config.tieWordEmbeddings ? undefined : 'lm_head.weight',
    normKind: config.architecture === 'gemma' ? 'rms1p' : 'rms',
    layers,
  };
}

/** Every tensor the checkpoint must hold, in state-dict order, with its stored shape. */
export function tensorSpecs(config: ModelConfig): TensorSpec[] {
  const {
    hiddenSize: C,
    intermediateSize: I,
    numHeads: H,
    numKvHeads: Hkv,
    headDim: D,
    vocabSize: V,
  } = config;
  const names = modelNames(config);
  const gpt2 = config.architecture === 'gpt2';
  const specs: TensorSpec[] = [{ name: names.embed, shape: [V, C], role: 'embedding', kind: 'weight' }];
  if (names.positions)
    specs.push({ name: names.positions, shape: [config.maxPositions, C], role: 'positions', kind: 'weight' });
  const norm = (prefix: string) => {
    specs.push({ name: `${prefix}.weight`, shape: [C], role: 'norm', kind: 'weight' });
    if (gpt2) specs.push({ name: `${prefix}.bias`, shape: [C], role: 'norm', kind: 'bias' });
  };
  const linear = (module: string, inF: number, outF: number, bias: boolean) => {
    specs.push({
      name: `${module}.weight`,
      shape: gpt2 ? [inF, outF] : [outF, inF],
      role: 'linear',
      module,
      kind: 'weight',
      conv1d: gpt2,
    });
    if (bias) specs.push({ name: `${module}.bias`, shape: [outF], role: 'linear', module, kind: 'bias' });
  };
  for (const layer of names.layers) {
    norm(layer.norm1);
    const a = layer.attention;
    if ('qkv' in a) {
      linear(a.qkv, C, 3 * C, true);
      linear(a.o, C, C, true);
    } else {
      const qkvBias = config.attentionBias;
      linear(a.q, C, H * D, qkvBias);
      linear(a.k, C, Hkv * D, qkvBias);
      linear(a.v, C, Hkv * D, qkvBias);
      linear(a.o, H * D, C, config.attentionBias && config.architecture !== 'qwen2');
    }
    norm(layer.norm2);
    const m = layer.mlp;
    if ('fc' in m) {
      linear(m.fc, C, I, true);
      linear(m.proj, I, C, true);
    } else {
      linear(m.gate, C, I, config.mlpBias);
      linear(m.up, C, I, config.mlpBias);
      linear(m.down, I, C, config.mlpBias);
    }
  }
  norm(names.finalNorm);
  if (names.lmHead) specs.push({ name: names.lmHead, shape: [V, C], role: 'lm_head', kind: 'weight' });
  return specs;
}
