// One LoRA training step — r16 on every decoder linear, forward + backward into the LoRA gradients, batch 1 — of
// @lora/models and of PyTorch (python/torch_lora_step.py, the same shapes): the shapes, the model, the timing and the
// baseline's child process, in one place for the LoRA-step table (lora-step-bench.ts) and @lora/models'
// scripts/profile-step.ts.
import { fileURLToPath } from 'node:url';
import { deviceMemory, kernel } from '@lora/core';
import { CausalLM, parseModelConfig } from '@lora/models';
import { injectLora, loraConfig } from '@lora/peft';
import { generatedWeights, LLAMA_BENCH_CONFIG } from './bench-models.js';
import { BenchOutputError, isRecord, lastJsonLine, numberAt, runChild } from './child-json.js';

export const LORA_STEP_RANK = 16;
export const TORCH_LORA_STEP_SCRIPT = fileURLToPath(new URL('../python/torch_lora_step.py', import.meta.url));

/**
 * The models benchmark's Llama (LLAMA_BENCH_CONFIG: TinyLlama's shape scaled to hidden 512) as config.json keys, with
 * the head size and rope scaling spelled out for the PyTorch side.
 */
export const SMALL_LLAMA_OVERRIDES: Readonly<Record<string, unknown>> = {
  ...LLAMA_BENCH_CONFIG,
  head_dim: 64,
  rope_scaling: null,
};

/** Issue 14's small model: SMALL_LLAMA_OVERRIDES with a 2,000-token vocabulary (the LoRA-step and decode tables). */
export const SMALL_MODEL_OVERRIDES: Readonly<Record<string, unknown>> = {
  ...SMALL_LLAMA_OVERRIDES,
  vocab_size: 2000,
};

/** Qwen2.5-0.5B's dimensions (its config.json) in the Llama layout: the q/k/v biases aside, the same work per step. */
export const QWEN25_05B_LLAMA_OVERRIDES: Readonly<Record<string, unknown>> = {
  vocab_size: 151936,
  hidden_size: 896,
  intermediate_size: 4864,
  num_hidden_layers: 24,
  num_attention_heads: 14,
  num_key_value_heads: 2,
  head_dim: 64,
  rope_theta: 1000000.0,
  tie_word_embeddings: true,
};

export interface LoraStepModelOptions {
  /** logits held at once by the loss (CausalLM's vocabChunk); the model's default when absent */
  vocabChunk?: number;
  /** false: keep the model in the JS heap instead of the backend's deviceMemory() (true by default) */
  resident?: boolean;
}

/**
 * A Llama with `overrides` over LLAMA_BENCH_CONFIG, seeded generated weights (generatedWeights), LoRA r16 (alpha 32)
 * on every decoder linear, moved into the active backend's memory (on wasm the wasm memory: no operand is copied in
 * or out per call). Register and select the backend first.
 */
export async function loraStepModel(
  overrides: Readonly<Record<string, unknown>>,
  options: LoraStepModelOptions = {},
): Promise<CausalLM> {
  const config = parseModelConfig({ ...LLAMA_BENCH_CONFIG, ...overrides }, 'LoRA step config');
  const model = CausalLM.fromWeights(config, generatedWeights(config));
  if (options.vocabChunk !== undefined) model.vocabChunk = options.vocabChunk;
  const lora = loraConfig({
    r: LORA_STEP_RANK,
    lora_alpha: 2 * LORA_STEP_RANK,
    target_modules: 'all-linear',
  });
  injectLora(model, lora, { seed: 1 });
  if (options.resident !== false) await model.useMemory(deviceMemory());
  return model;
}

/** The step's closures on one batch of `tokens` ids: forward alone, and a training step after zeroing the grads. */
export function loraStepRunner(model: CausalLM, tokens: number) {
  const ids = Int32Array.from({ length: tokens }, (_, i) => (i * 7919 + 13) % model.config.vocabSize);
  const batch = { inputIds: ids, labels: ids, batch: 1, seqLen: tokens };
  const trainable = model.parameters().filter((p) => p.trainable);
  const zeroGrads = () => {
    for (const p of trainable) if (p.grad) kernel('fill')({ x: p.grad, n: p.grad.length, value: 0 });
  };
  return {
    trainable,
    zeroGrads,
    forward: () => model.step(batch, { training: true, backward: false }),
    /** one training step; zero the grads first (`zeroGrads`) where it is timed */
    train: () => model.step(batch, { training: true, backward: true, lossScale: 1 / (tokens - 1) }),
  };
}

export interface StepTiming {
  /** least wall time of the timed runs, ms */
  best: number;
  median: number;
  /** least process CPU time (all threads) of one run, ms */
  cpu: number;
}

/** Best and median wall time of `n` runs after a warm-up, and the least CPU time (all threads) of one run. */
export async function bestOf(n: number, fn: () => Promise<unknown>): Promise<StepTiming> {
  await fn(); // warm-up (the first step allocates its buffers)
  const times: number[] = [];
  let cpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn(); // a step ends with its one read of the loss totals
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  times.sort((a, b) => a - b);
  return { best: times[0]!, median: times[times.length >> 1]!, cpu };
}

/** python/torch_lora_step.py's JSON line. */
export interface TorchLoraStepRun {
  torch: string;
  threads: number;
  stepMs: number;
  stepCpuMs: number;
  stepTokensPerSecond: number;
  /** absent with stepOnly */
  forwardMs?: number;
  forwardCpuMs?: number;
  forwardTokensPerSecond?: number;
  peakRssMiB: number;
}

/** Reads torch_lora_step.py's last stdout line; throws BenchOutputError naming the key that is missing or wrong. */
export function parseTorchLoraStep(label: string, stdout: string): TorchLoraStepRun {
  const o = lastJsonLine(label, stdout);
  if (!isRecord(o)) throw new BenchOutputError(`${label}: expected a JSON object, got ${JSON.stringify(o)}`);
  const run: TorchLoraStepRun = {
    torch: String(o.torch),
    threads: numberAt(label, o, 'threads'),
    stepMs: numberAt(label, o, 'stepMs'),
    stepCpuMs: numberAt(label, o, 'stepCpuMs'),
    stepTokensPerSecond: numberAt(label, o, 'stepTokensPerSecond'),
    peakRssMiB: numberAt(label, o, 'peakRssMiB'),
  };
  if ('forwardMs' in o) {
    run.forwardMs = numberAt(label, o, 'forwardMs');
    run.forwardCpuMs = numberAt(label, o, 'forwardCpuMs');
    run.forwardTokensPerSecond = numberAt(label, o, 'forwardTokensPerSecond');
  }
  return run;
}

export interface TorchLoraStepOptions {
  overrides: Readonly<Record<string, unknown>>;
  tokens: number;
  threads: number;
  /** timed runs after a warm-up */
  reps: number;
  /** time the training step only (no forward-only runs) */
  stepOnly?: boolean;
  /** default LORA_BENCH_PYTHON, else /usr/bin/python3 (Debian's torch) */
  python?: string;
  /** torch's device: cpu (default), or cuda on a GPU machine */
  device?: 'cpu' | 'cuda';
}

/** The argument list of torch_lora_step.py for these options (after the interpreter). */
export function torchLoraStepArgs(o: TorchLoraStepOptions): string[] {
  const args = [TORCH_LORA_STEP_SCRIPT, '--tokens', String(o.tokens), '--rank', String(LORA_STEP_RANK)];
  args.push(
    '--threads',
    String(o.threads),
    '--reps',
    String(o.reps),
    '--overrides',
    JSON.stringify(o.overrides),
  );
  if (o.device === 'cuda') args.push('--device', 'cuda');
  return o.stepOnly ? [...args, '--step-only'] : args;
}

/**
 * PyTorch's step in its own process on `threads` threads: torch.set_num_threads covers torch's own pool, and Debian's
 * torch multiplies through OpenBLAS, whose pool needs its own limit, so both variables are set. Every failure is an
 * `{ error }` naming what failed.
 */
export function torchLoraStep(o: TorchLoraStepOptions): TorchLoraStepRun | { error: string } {
  const python = o.python ?? process.env.LORA_BENCH_PYTHON ?? '/usr/bin/python3';
  const label = `PyTorch ×${o.threads} (${python})`;
  const threads = String(o.threads);
  const run = runChild(label, python, torchLoraStepArgs(o), {
    timeoutMs: 30 * 60_000,
    env: { OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads },
  });
  if ('error' in run) return run;
  try {
    return parseTorchLoraStep(label, run.stdout);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
