// The peak RSS of one real `lora train` QLoRA run (load, quantize, one optimizer step) on a random-weight checkpoint
// of a real config.json: the checkpoint is one bf16 model.safetensors (as the Hub's Qwen2.5 ones are) with uniform
// values (norm weights 1); the data is `examples` pre-tokenized rows of exactly `tokens` ids; the run is NF4 + double
// quant, r16 on every linear, batch 1, --max-steps 1 (--gradient-checkpointing when asked) under
// `/usr/bin/time -f '%M %e'`, whose maximum resident set size is the training process's peak (the largest
// waited-for descendant of the wrapper). @lora/sft's scripts/measure-peak-rss.ts records runs for the planner's test;
// the bench's QLoRA memory row (qlora-memory-bench.ts) runs one for its own record.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { f32ToBf16 } from '@lora/core';
import { parseModelConfig, tensorSpecs } from '@lora/models';
import { type TensorInput, writeSafetensors } from '@lora/safetensors';
import type { MeasuredRun, MeasuredRunSettings } from '@lora/sft';

/** The repository root: `lora train` runs from here (apps/cli/bin/lora.js). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface PeakRssRunOptions {
  /** names the files under `dir`: <name>-model/ (kept between runs), -data.jsonl, -run/, -time.txt */
  name: string;
  /** config.json of the model */
  config: string;
  /** folder holding tokenizer.json and tokenizer_config.json */
  tokenizer: string;
  tokens: number;
  /** rows of data (one step uses one); 4 by default */
  examples?: number;
  /** os.tmpdir()/lora-peak-rss by default */
  dir?: string;
  /** 0.05 by default */
  loraDropout?: number;
  gradientCheckpointing?: boolean;
  /** keep the run's output folder */
  keep?: boolean;
  /** the child's output: shown ('inherit', the default) or not ('ignore'; its stderr's last line names a failure) */
  stdio?: 'inherit' | 'ignore';
}

/** A `lora train` that failed, or a /usr/bin/time record that is not what it writes. */
export class PeakRssRunError extends Error {
  override name = 'PeakRssRunError';
}

/** The settings of the run: QLoRA (NF4 + double quant), r16 alpha 32 on every linear, batch 1, one step. */
export function qloraRunSettings(
  tokens: number,
  loraDropout = 0.05,
  gradientCheckpointing = false,
): MeasuredRunSettings {
  return {
    quant: 'nf4',
    double_quant: true,
    lora_r: 16,
    lora_alpha: 32,
    lora_dropout: loraDropout,
    target_modules: ['all-linear'],
    batch_size: 1,
    grad_accum: 1,
    max_length: tokens,
    gradient_checkpointing: gradientCheckpointing,
    max_steps: 1,
  };
}

/** `lora train`'s arguments (after the interpreter) for the settings. */
export function trainArgs(
  files: { model: string; data: string; output: string },
  s: MeasuredRunSettings,
): string[] {
  return [
    'apps/cli/bin/lora.js',
    'train',
    ...['--model', files.model, '--data', files.data, '--output', files.output, '--overwrite'],
    ...['--quant', s.quant, ...(s.double_quant ? ['--double-quant'] : [])],
    ...['--lora-r', String(s.lora_r), '--lora-alpha', String(s.lora_alpha)],
    ...['--lora-dropout', String(s.lora_dropout), '--target-modules', s.target_modules.join(',')],
    ...['--batch-size', String(s.batch_size), '--grad-accum', String(s.grad_accum)],
    ...['--max-length', String(s.max_length), '--max-steps', String(s.max_steps)],
    ...['--eval-prompts', '0', '--save-steps', '1000', '--backend', 'wasm'],
    ...(s.gradient_checkpointing ? ['--gradient-checkpointing'] : []),
  ];
}

/** The last line of `/usr/bin/time -f '%M %e'`'s output: peak RSS in KiB and wall seconds. */
export function parseTimeOutput(text: string, file: string): { peakRssBytes: number; wallSeconds: number } {
  const last = text.trim().split('\n').at(-1) ?? '';
  const match = /^(\d+) (\d+(?:\.\d+)?)$/.exec(last.trim());
  if (!match)
    throw new PeakRssRunError(
      `${file}: expected "<max RSS KiB> <seconds>" (/usr/bin/time -f '%M %e'), got ${JSON.stringify(last)}`,
    );
  return { peakRssBytes: Number(match[1]) * 1024, wallSeconds: Number(match[2]) };
}

/** One bf16 model.safetensors: every tensor a view of one shared pool of random values (norm weights: 1). */
async function writeCheckpoint(
  raw: Record<string, unknown>,
  source: string,
  modelDir: string,
  tokenizer: string,
) {
  const config = parseModelConfig(raw, source);
  mkdirSync(modelDir, { recursive: true });
  const specs = tensorSpecs(config);
  const largest = Math.max(...specs.map((s) => s.shape.reduce((a, b) => a * b, 1)));
  const pool = new Uint16Array(largest);
  let state = 0x9e3779b9;
  const chunk = new Float32Array(1 << 16);
  for (let start = 0; start < largest; start += chunk.length) {
    for (let i = 0; i < chunk.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      chunk[i] = ((state >>> 0) / 2 ** 32 - 0.5) * 0.06;
    }
    const n = Math.min(chunk.length, largest - start);
    pool.set(f32ToBf16(chunk.subarray(0, n)), start);
  }
  const ones = new Uint16Array(config.hiddenSize).fill(0x3f80);
  const tensors: Record<string, TensorInput> = {};
  for (const spec of specs) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const values = spec.role === 'norm' && spec.kind === 'weight' ? ones : pool;
    tensors[spec.name] = { dtype: 'BF16', shape: spec.shape, data: values.subarray(0, n) };
  }
  await writeSafetensors(join(modelDir, 'model.safetensors'), tensors, { format: 'pt' }, { fsync: false });
  writeFileSync(
    join(modelDir, 'config.json'),
    `${JSON.stringify({ ...raw, torch_dtype: 'bfloat16' }, null, 2)}\n`,
  );
  for (const file of ['tokenizer.json', 'tokenizer_config.json'])
    copyFileSync(join(tokenizer, file), join(modelDir, file));
}

/**
 * The last `train_runtime` of a run's metrics.jsonl: seconds from the start of training to the end of its last logged
 * step (the checkpoint saved at that step included); null when no line has one.
 */
export function trainRuntimeOf(metricsJsonl: string): number | null {
  let seconds: number | null = null;
  for (const line of metricsJsonl.split('\n')) {
    if (!line.trim()) continue;
    const value = (JSON.parse(line) as { train_runtime?: unknown }).train_runtime;
    if (typeof value === 'number' && Number.isFinite(value)) seconds = value;
  }
  return seconds;
}

/** A measured run, and its training time (trainRuntimeOf; null where the run wrote none). */
export interface PeakRssRun {
  record: MeasuredRun;
  trainRuntimeSeconds: number | null;
}

/** Runs `lora train` once under /usr/bin/time and returns its record; throws PeakRssRunError when it fails. */
export async function measurePeakRss(o: PeakRssRunOptions): Promise<PeakRssRun> {
  const dir = o.dir ?? join(os.tmpdir(), 'lora-peak-rss');
  const raw = JSON.parse(readFileSync(o.config, 'utf8')) as Record<string, unknown>;
  const examples = o.examples ?? 4;
  const modelDir = join(dir, `${o.name}-model`);
  if (!existsSync(join(modelDir, 'model.safetensors')))
    await writeCheckpoint(raw, o.config, modelDir, o.tokenizer);
  const data = join(dir, `${o.name}-data.jsonl`);
  const rows = Array.from({ length: examples }, (_, e) =>
    JSON.stringify({
      input_ids: Array.from({ length: o.tokens }, (_, i) => (e * 7919 + i * 104729 + 13) % 150000),
    }),
  );
  writeFileSync(data, `${rows.join('\n')}\n`);
  const settings = qloraRunSettings(o.tokens, o.loraDropout, o.gradientCheckpointing);
  const output = join(dir, `${o.name}-run`);
  const timeFile = join(dir, `${o.name}-time.txt`);
  const cli = trainArgs({ model: modelDir, data, output }, settings);
  const run = spawnSync('/usr/bin/time', ['-f', '%M %e', '-o', timeFile, process.execPath, ...cli], {
    cwd: REPO_ROOT,
    stdio: o.stdio === 'ignore' ? ['ignore', 'ignore', 'pipe'] : 'inherit',
    maxBuffer: 1 << 26,
    env: { ...process.env, LORA_THREADS: process.env.LORA_THREADS ?? '2' },
  });
  if (run.error) throw new PeakRssRunError(`/usr/bin/time: ${run.error.message}`, { cause: run.error });
  if (run.status !== 0) {
    const last = run.stderr ? String(run.stderr).trim().split('\n').at(-1) : undefined;
    throw new PeakRssRunError(
      `lora train (${o.name}): expected exit 0, got ${run.status ?? run.signal}${last ? `: ${last}` : ''}`,
    );
  }
  const { peakRssBytes, wallSeconds } = parseTimeOutput(readFileSync(timeFile, 'utf8'), timeFile);
  const metrics = join(output, 'metrics.jsonl');
  const trainRuntimeSeconds = existsSync(metrics) ? trainRuntimeOf(readFileSync(metrics, 'utf8')) : null;
  if (!o.keep) rmSync(output, { recursive: true, force: true });
  const cpu = os.cpus()[0]?.model ?? '?';
  const record: MeasuredRun = {
    name: o.name,
    source: resolve(o.config).replace(resolve(REPO_ROOT, '..'), '..'),
    config: raw,
    tokens: o.tokens,
    examples,
    settings,
    peakRssBytes,
    wallSeconds,
    command: `/usr/bin/time -f %M node ${cli.join(' ')}`.replaceAll(dir, '$DIR'),
    machine: `${cpu} ×${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
    date: new Date().toISOString().slice(0, 10),
  };
  return { record, trainRuntimeSeconds };
}
