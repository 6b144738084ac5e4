// Phi3ForCausalLM (transformers modeling_phi3.py, Phi3Config): Llama's RMSNorm, SiLU and rotary attention, with the
// projections fused — qkv_proj's output columns are [q | k | v] (H·D, Hkv·D, Hkv·D) and gate_up_proj's are
// [gate | up] — no biases, and an optional sliding window (Phi-3-mini-4k: 2047) masked as Mistral's. LoRA wraps the
// fused modules, as PEFT does; PEFT has no default target_modules for phi3, so they must be named. Refused: rope_scaling "longrope" (the 128k models), partial_rotary_factor ≠ 1,
// dropout (resid_pdrop, embd_pdrop) during training this runtime does not apply.
import type { ModelConfig } from '../../config.js';
import type { ConfigReader } from '../config-reader.js';
import { parseDecoderConfig } from '../decoder-layout.js';
import type { ArchitectureSpec, LayerNames, ModelNames } from '../spec.js';
import { TensorList } from '../tensor-list.js';

function names(config: ModelConfig): ModelNames {
  const layers: LayerNames[] = [];
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    layers.push({
      prefix: p,
      norm1: `${p}.input_layernorm`,
      norm2: `${p}.post_attention_layernorm`,
      attention: { qkv: `${p}.self_attn.qkv_proj`, o: `${p}.self_attn.o_proj` },
      mlp: { gateUp: `${p}.mlp.gate_up_proj`, down: `${p}.mlp.down_proj` },
    });
  }
  return {
    embed: 'model.embed_tokens.weight',
    finalNorm: 'model.norm',
    lmHead: config.tieWordEmbeddings ? undefined : 'lm_head.weight',
    normKind: 'rms',
    layers,
  };
}

/** Phi3Config's keys this runtime does not compute, refused unless they keep their no-op value. */
function refuseUnsupported(r: ConfigReader): void {
  for (const key of ['resid_pdrop', 'embd_pdrop', 'attention_dropout'])
    if (r.has(key) && r.raw[key] !== 0)
      r.fail(key, '0 (dropout inside the model is not applied)', r.raw[key]);
  if (r.has('partial_rotary_factor') && r.raw.partial_rotary_factor !== 1)
    r.fail(
      'partial_rotary_factor',
      '1 (partial rotary embeddings are not supported)',
      r.raw.partial_rotary_factor,
    );
}

export const phi3: ArchitectureSpec = {
  modelType: 'phi3',
  reference: 'Phi3ForCausalLM (modeling_phi3.py)',
  parseConfig: (r) => {
    refuseUnsupported(r);
    return parseDecoderConfig(r, {
      maxPositions: 4096,
      normEps: 1e-5,
      activation: { key: 'hidden_act', fallback: 'silu', allowed: ['silu'] },
      tieWordEmbeddings: false,
      attentionBias: false,
      mlpBias: false,
      slidingWindow: (r) => (r.has('sliding_window') ? r.int('sliding_window') : undefined),
    });
  },
  names,
  tensors: (config) => {
    const {
      hiddenSize: C,
      intermediateSize: I,
      numHeads: H,
      numKvHeads: Hkv,
      headDim: D,
      vocabSize: V,
    } = config;
    const n = names(config);
    const list = new TensorList();
    list.table(n.embed, 'embedding', V, C);
    for (const layer of n.layers) {
      const a = layer.attention as { qkv: string; o: string };
      const m = layer.mlp as { gateUp: string; down: string };
      list.norm(layer.norm1, C, false);
      list.linear(a.qkv, C, (H + 2 * Hkv) * D, false);
      list.linear(a.o, H * D, C, false);
      list.norm(layer.norm2, C, false);
      list.linear(m.gateUp, C, 2 * I, false);
      list.linear(m.down, I, C, false);
    }
    list.norm(n.finalNorm, C, false);
    if (n.lmHead) list.table(n.lmHead, 'lm_head', V, C);
    return list.specs;
  },
  activation: 'silu',
  positions: 'rope',
  embedScale: () => undefined,
  // PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING has no phi3 entry; mlx-lm's default is qkv_proj
  lora: { targetModules: [], fanInFanOut: false, mlxKeys: ['self_attn.qkv_proj'] },
  // Phi-3-mini-4k-instruct's config.json, shrunk (grouped KV heads, to test the fused split); a window of 4 keys
  tinyConfig: {
    architectures: ['Phi3ForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: 1,
    embd_pdrop: 0.0,
    eos_token_id: 126,
    hidden_act: 'silu',
    hidden_size: 32,
    initializer_range: 0.02,
    intermediate_size: 48,
    max_position_embeddings: 256,
    model_type: 'phi3',
    num_attention_heads: 4,
    num_hidden_layers: 2,
    num_key_value_heads: 2,
    original_max_position_embeddings: 256,
    pad_token_id: 127,
    resid_pdrop: 0.0,
    rms_norm_eps: 1e-5,
    rope_scaling: null,
    rope_theta: 10000.0,
    sliding_window: 4,
    tie_word_embeddings: false,
    transformers_version: '4.40.2',
    use_cache: true,
    vocab_size: 128,
  },
};
