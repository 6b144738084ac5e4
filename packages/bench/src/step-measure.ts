// One QLoRA optimizer step per backend, measured: the shapes (a small Qwen2 and the Qwen2.5-0.5B shape), a fresh
// NF4 + double quant model with LoRA r16 on every linear and AdamW, its tokens/s and what crosses between host and
// device per step (uploads and their bytes, readbacks, dispatches); and the table that shows them. The step bench
// (step-bench.ts) and the GPU machine's run (device-run.ts) both measure with it.

import { webgpuDevice } from '@lora/backend-webgpu';
import { type DeviceCounters, deviceMemory, hostMemory, setBackend } from '@lora/core';
import { collate } from '@lora/datasets';
import { CausalLM, parseModelConfig } from '@lora/models';
import { injectLora, loraConfig } from '@lora/peft';
import { AdamW, optimizerStep } from '@lora/sft';
import { generatedWeights, QWEN25_05B_CONFIG } from './bench-models.js';
import { QWEN25_05B_LLAMA_OVERRIDES } from './lora-step.js';
import { formatTable } from './table.js';

export interface StepShape {
  name: string;
  config: Record<string, unknown>;
  tokens: number;
}

/** A small Qwen2 (its counts per step are those of any depth × layers) and the Qwen2.5-0.5B shape itself. */
export const STEP_SHAPES: Record<string, StepShape> = {
  small: {
    name: 'Qwen2 4 layers, hidden 256, vocab 4,096, 256 tokens',
    config: {
      ...QWEN25_05B_CONFIG,
      hidden_size: 256,
      intermediate_size: 704,
      num_hidden_layers: 4,
      num_attention_heads: 8,
      num_key_value_heads: 2,
      vocab_size: 4096,
    },
    tokens: 256,
  },
  'qwen2.5-0.5b': {
    name: 'Qwen2.5-0.5B shape (24 layers), 512 tokens',
    config: QWEN25_05B_CONFIG,
    tokens: 512,
  },
};

export interface StepResult {
  backend: string;
  device: string;
  tokensPerSecond: number;
  steps: number;
  /** per optimizer step */
  readbacks: number;
  dispatches: number;
  uploads: number;
  uploadBytes: number;
  /** bytes of the batch's token ids alone (B·T int32) */
  idsBytes: number;
  /** the mean loss of the first step, before any update (the backends must agree) */
  loss: number;
}

const perStep = (a: DeviceCounters, b: DeviceCounters, steps: number) => ({
  readbacks: (b.readbacks - a.readbacks) / steps,
  dispatches: (b.dispatches - a.dispatches) / steps,
  uploads: (b.uploads - a.uploads) / steps,
  uploadBytes: (b.uploadBytes - a.uploadBytes) / steps,
});

/** Times `steps` optimizer steps (after one warm-up) of a fresh QLoRA model on `backend`. */
export async function measureBackend(backend: string, shape: StepShape, steps: number): Promise<StepResult> {
  await setBackend(backend);
  const config = parseModelConfig(shape.config, `${shape.name} bench config`);
  const model = CausalLM.fromWeights(config, generatedWeights(config), {
    quantize: { quantType: 'nf4', doubleQuant: true },
  });
  const lora = injectLora(
    model,
    loraConfig({
      r: 16,
      lora_alpha: 32,
      lora_dropout: 0.05,
      target_modules: 'all-linear',
      task_type: 'CAUSAL_LM',
    }),
  );
  const memory = deviceMemory();
  if (memory !== hostMemory) await model.useMemory(memory);
  const optimizer = new AdamW(lora.trainableParameters(), { weightDecay: 0.01 });
  const ids = Array.from({ length: shape.tokens }, (_, i) => (i * 7919 + 13) % config.vocabSize);
  const batch = collate([{ inputIds: ids, labels: ids }], { padTokenId: 0 });
  let draw = 0x9e3779b9;
  const settings = (step: number) => ({
    step,
    lr: 2e-4,
    maxGradNorm: 1,
    rng: () => (draw = (Math.imul(draw, 1664525) + 1013904223) >>> 0) / 2 ** 32,
    gradientCheckpointing: false,
    neftuneNoiseAlpha: undefined,
  });
  // warm-up: buffers, pipelines, RoPE tables; its loss is before any update, the same on every backend
  const { loss } = await optimizerStep(model, optimizer, [batch], settings(1));
  const before = memory.counters();
  const started = performance.now();
  for (let s = 0; s < steps; s++) await optimizerStep(model, optimizer, [batch], settings(s + 2));
  const seconds = (performance.now() - started) / 1000;
  const traffic = perStep(before, memory.counters(), steps);
  const device = backend === 'webgpu' ? (webgpuDevice()?.name ?? '?') : 'CPU (host memory: nothing crosses)';
  return {
    backend,
    device,
    tokensPerSecond: (steps * shape.tokens) / seconds,
    steps,
    ...traffic,
    idsBytes: 4 * shape.tokens,
    loss,
  };
}

export function stepTable(results: readonly StepResult[]): string {
  const host = (r: StepResult, v: number) => (r.backend === 'webgpu' ? String(v) : '—');
  return formatTable(
    [
      'backend',
      'device',
      'tokens/s',
      'readbacks/step',
      'dispatches/step',
      'uploads/step',
      'upload bytes/step',
      'token ids',
      'step-1 loss',
    ],
    results.map((r) => [
      r.backend,
      r.device,
      r.tokensPerSecond.toFixed(1),
      host(r, r.readbacks),
      host(r, r.dispatches),
      host(r, r.uploads),
      host(r, r.uploadBytes),
      `${r.idsBytes} B`,
      r.loss.toFixed(6),
    ]),
  );
}

/** PyTorch's counterpart of a step-bench shape: its dimensions in torch_lora_step.py's Llama layout. */
export function torchOverrides(config: Record<string, unknown>): Record<string, unknown> {
  const dims = ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads'];
  const picked = Object.fromEntries([...dims, 'num_key_value_heads'].map((k) => [k, config[k]]));
  const headDim = Number(config.hidden_size) / Number(config.num_attention_heads);
  return { ...QWEN25_05B_LLAMA_OVERRIDES, ...picked, head_dim: headDim };
}
