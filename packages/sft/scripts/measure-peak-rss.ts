// Measures the peak RSS of one real `lora train` run (load, quantize, one optimizer step) on a random-weight
// checkpoint of a real config.json, and records it in fixtures/measured-peak-rss.json for the planner's accuracy test
// (src/memory-plan-measured.test.ts), with the config.json itself. Run from the repository root, one run at a time:
//
//   npx tsx --conditions=@lora/source packages/sft/scripts/measure-peak-rss.ts --name qwen2.5-0.5b-t93 \
//     --config ../shared/fixtures/qwen2.5-instruct/config.qwen2.5-0.5b-instruct.resaved-4.49.json \
//     --tokenizer ../shared/fixtures/qwen2.5-instruct --tokens 93
//
// The checkpoint is written as one bf16 model.safetensors (as the Hub's Qwen2.5 ones are) with uniform values (norm
// weights 1) under --dir; the data is `--examples` pre-tokenized rows of exactly `--tokens` ids; the run is QLoRA
// (NF4 + double quant, r16 on every linear, batch 1, --max-steps 1, --gradient-checkpointing when asked) under `/usr/bin/time -f %M`, whose maximum
// resident set size is the peak of the training process (the largest waited-for descendant of the wrapper).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { f32ToBf16 } from '@lora/core';
import { parseModelConfig, tensorSpecs } from '@lora/models';
import { type TensorInput, writeSafetensors } from '@lora/safetensors';

const { values: args } = parseArgs({
  options: {
    name: { type: 'string' },
    config: { type: 'string' },
    tokenizer: { type: 'string' },
    tokens: { type: 'string', default: '93' },
    examples: { type: 'string', default: '4' },
    dir: { type: 'string', default: join(os.tmpdir(), 'lora-peak-rss') },
    'lora-dropout': { type: 'string', default: '0.05' },
    keep: { type: 'boolean', default: false },
    'gradient-checkpointing': { type: 'boolean', default: false },
  },
});
if (!args.name || !args.config || !args.tokenizer)
  throw new Error('measure-peak-rss: expected --name, --config and --tokenizer, got some missing');

const root = fileURLToPath(new URL('../../../', import.meta.url));
const raw = JSON.parse(readFileSync(args.config, 'utf8')) as Record<string, unknown>;
const config = parseModelConfig(raw, args.config);
const tokens = Number(args.tokens);
const modelDir = join(args.dir, `${args.name}-model`);

/** One bf16 model.safetensors: every tensor a view of one shared pool of random values (norm weights: 1). */
async function writeCheckpoint(): Promise<void> {
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
    const source = spec.role === 'norm' && spec.kind === 'weight' ? ones : pool;
    tensors[spec.name] = { dtype: 'BF16', shape: spec.shape, data: source.subarray(0, n) };
  }
  await writeSafetensors(join(modelDir, 'model.safetensors'), tensors, { format: 'pt' }, { fsync: false });
  writeFileSync(
    join(modelDir, 'config.json'),
    `${JSON.stringify({ ...raw, torch_dtype: 'bfloat16' }, null, 2)}\n`,
  );
  for (const file of ['tokenizer.json', 'tokenizer_config.json'])
    copyFileSync(join(args.tokenizer!, file), join(modelDir, file));
}

if (!existsSync(join(modelDir, 'model.safetensors'))) await writeCheckpoint();
const dataFile = join(args.dir, `${args.name}-data.jsonl`);
const rows = Array.from({ length: Number(args.examples) }, (_, e) =>
  JSON.stringify({
    input_ids: Array.from({ length: tokens }, (_, i) => (e * 7919 + i * 104729 + 13) % 150000),
  }),
);
writeFileSync(dataFile, `${rows.join('\n')}\n`);

const settings = {
  quant: 'nf4',
  double_quant: true,
  lora_r: 16,
  lora_alpha: 32,
  lora_dropout: Number(args['lora-dropout']),
  target_modules: ['all-linear'],
  batch_size: 1,
  grad_accum: 1,
  max_length: tokens,
  gradient_checkpointing: args['gradient-checkpointing'] === true,
  max_steps: 1,
};
const output = join(args.dir, `${args.name}-run`);
const timeFile = join(args.dir, `${args.name}-time.txt`);
const cli = [
  'apps/cli/bin/lora.js',
  'train',
  ...['--model', modelDir, '--data', dataFile, '--output', output, '--overwrite'],
  ...['--quant', 'nf4', '--double-quant', '--lora-r', '16', '--lora-alpha', '32'],
  ...['--lora-dropout', String(settings.lora_dropout), '--target-modules', 'all-linear'],
  ...['--batch-size', '1', '--grad-accum', '1', '--max-length', String(tokens), '--max-steps', '1'],
  ...['--eval-prompts', '0', '--save-steps', '1000', '--backend', 'wasm'],
  ...(settings.gradient_checkpointing ? ['--gradient-checkpointing'] : []),
];
const started = performance.now();
const run = spawnSync('/usr/bin/time', ['-f', '%M %e', '-o', timeFile, process.execPath, ...cli], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, LORA_THREADS: process.env.LORA_THREADS ?? '2' },
});
if (run.status !== 0)
  throw new Error(`measure-peak-rss: expected lora train to succeed, got exit ${run.status}`);
const [kib, seconds] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
const record = {
  name: args.name,
  source: resolve(args.config).replace(resolve(root, '..'), '..'),
  config: raw,
  tokens,
  examples: Number(args.examples),
  settings,
  peakRssBytes: kib! * 1024,
  wallSeconds: seconds ?? (performance.now() - started) / 1000,
  command: `/usr/bin/time -f %M node ${cli.join(' ')}`.replaceAll(args.dir, '$DIR'),
  machine: `${os.cpus()[0]?.model ?? '?'} ×${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}`,
  date: new Date().toISOString().slice(0, 10),
};
const fixture = fileURLToPath(new URL('../fixtures/measured-peak-rss.json', import.meta.url));
const all = existsSync(fixture)
  ? (JSON.parse(readFileSync(fixture, 'utf8')) as { runs: (typeof record)[] })
  : { runs: [] };
all.runs = [...all.runs.filter((r) => r.name !== record.name), record];
writeFileSync(fixture, `${JSON.stringify(all, null, 2)}\n`);
console.log(
  `${record.name}: peak RSS ${(record.peakRssBytes / 2 ** 30).toFixed(3)} GiB in ${record.wallSeconds} s`,
);
if (!args.keep) rmSync(output, { recursive: true, force: true });
