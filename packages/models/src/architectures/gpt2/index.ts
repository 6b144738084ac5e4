// GPT2LMHeadModel (transformers modeling_gpt2.py, GPT2Config): LayerNorm with bias, learned positions, fused c_attn
// and every linear a Conv1D stored [in, out] with a bias, tanh-GELU, tied embeddings; the Hub's older checkpoints
// name tensors without "transformer." and carry attn.bias causal-mask buffers.
import type { ModelConfig } from '../../config.js';
import type { ArchitectureSpec, LayerNames, ModelNames } from '../spec.js';
import { TensorList } from '../tensor-list.js';

const TANH_GELUS = ['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast'];

function names(config: ModelConfig): ModelNames {
  const layers: LayerNames[] = [];
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

export const gpt2: ArchitectureSpec = {
  modelType: 'gpt2',
  reference: 'GPT2LMHeadModel (modeling_gpt2.py)',
  parseConfig: (r) => {
    const hiddenSize = r.int('n_embd');
    const numHeads = r.int('n_head');
    if (hiddenSize % numHeads !== 0) r.fail('n_head', `a divisor of n_embd ${hiddenSize}`, numHeads);
    const hiddenAct = r.oneOf('activation_function', 'gelu_new', TANH_GELUS);
    return {
      vocabSize: r.int('vocab_size'),
      hiddenSize,
      intermediateSize: r.has('n_inner') ? r.int('n_inner') : 4 * hiddenSize,
      numLayers: r.int('n_layer'),
      numHeads,
      numKvHeads: numHeads,
      headDim: hiddenSize / numHeads,
      maxPositions: r.int('n_positions'),
      normEps: r.num('layer_norm_epsilon', 1e-5),
      ropeTheta: 0,
      tieWordEmbeddings: r.bool('tie_word_embeddings', true),
      attentionBias: true,
      hiddenAct,
      mlpBias: true,
      scaleAttnByInverseLayerIdx: r.bool('scale_attn_by_inverse_layer_idx', false),
      slidingWindow: undefined,
    };
  },
  names,
  tensors: (config) => {
    const { hiddenSize: C, intermediateSize: I, vocabSize: V } = config;
    const n = names(config);
    const list = new TensorList();
    list.table(n.embed, 'embedding', V, C);
    list.table(n.positions!, 'positions', config.maxPositions, C);
    for (const layer of n.layers) {
      const a = layer.attention as { qkv: string; o: string };
      const m = layer.mlp as { fc: string; proj: string };
      list.norm(layer.norm1, C, true);
      list.linear(a.qkv, C, 3 * C, true, true);
      list.linear(a.o, C, C, true, true);
      list.norm(layer.norm2, C, true);
      list.linear(m.fc, C, I, true, true);
      list.linear(m.proj, I, C, true, true);
    }
    list.norm(n.finalNorm, C, true);
    if (n.lmHead) list.table(n.lmHead, 'lm_head', V, C);
    return list.specs;
  },
  activation: 'geluTanh',
  positions: 'learned',
  embedScale: () => undefined,
  legacyNames: {
    prefix: 'transformer.',
    buffers: (config) => {
      const P = config.maxPositions;
      const mask = new Float32Array(P * P).map((_, i) => (i % P <= Math.floor(i / P) ? 1 : 0));
      const out: Record<string, { shape: number[]; data: Float32Array }> = {};
      for (let i = 0; i < config.numLayers; i++)
        out[`h.${i}.attn.bias`] = { shape: [1, 1, P, P], data: mask };
      return out;
    },
  },
  lora: { targetModules: ['c_attn'], fanInFanOut: true, mlxKeys: ['attn.c_attn'] },
  tinyConfig: {
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: 0.1,
    bos_token_id: 127,
    embd_pdrop: 0.1,
    eos_token_id: 127,
    initializer_range: 0.02,
    layer_norm_epsilon: 1e-5,
    model_type: 'gpt2',
    n_ctx: 64,
    n_embd: 32,
    n_head: 4,
    n_inner: null,
    n_layer: 2,
    n_positions: 64,
    resid_pdrop: 0.1,
    summary_activation: null,
    summary_first_dropout: 0.1,
    summary_proj_to_labels: true,
    summary_type: 'cls_index',
    summary_use_proj: true,
    transformers_version: '4.49.0',
    use_cache: true,
    vocab_size: 128,
  },
};
