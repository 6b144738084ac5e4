// lora plan: the memory a training run would need, by part, from config.json alone (no weights) and the training
// options (one config.yml shared with train works), against the memory the run may use. Exit 1 when it does not fit.
import { readFile, stat } from 'node:fs/promises';
import { freemem } from 'node:os';
import { join } from 'node:path';
import { type ModelConfig, parseModelConfig } from '@lora/models';
import { formatBytes, LOAD_ONLY_PARTS, type MemoryParts, type MemoryPlan, PART_LABELS } from '@lora/sft';
import { CliError, UsageError } from '../errors.js';
import { printer } from '../io.js';
import type { Options } from '../options.js';
import { type MemoryLimit, machineMemory, memoryLimit, planRun, refuseOverLimit } from '../run-memory.js';
import type { PlanOptions } from '../verb-options.js';
import type { CommandContext } from '../verbs.js';

const PART_NOTES: Record<keyof MemoryParts, string> = {
  runtime: 'Node, V8, tsx, the CLI, the wasm backend and its threads',
  tokenizer: 'the loaded tokenizer, about 900 B per vocabulary entry',
  baseWeights: 'the linears (4-bit, or f32), f32 embeddings, norms and biases',
  loadTransient: 'while loading only: the largest linear read as f32 and copied to quantize it',
  adapter: 'LoRA A and B, f32',
  gradients: 'their gradients',
  optimizer: "AdamW's two moments",
  activations: 'what each layer keeps for backward, and the buffers all layers share',
  loraBuffers:
    "each adapted linear's x·Aᵀ and its gradient (with dropout, one dropped input and its gradient, shared)",
  logitsChunk: "the lm head's tile of logits and their gradient",
  staging: "the wasm backend's copy of the largest 4-bit linear's codes, which stay on the JS heap",
};

/** config.json of --model: a model folder, or the file itself. */
async function readConfig(options: Options<PlanOptions>): Promise<{ path: string; config: ModelConfig }> {
  const given = options.require('model');
  const isDir = await stat(given).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const path = isDir ? join(given, 'config.json') : given;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const why = isDir ? 'a folder without config.json' : 'no such file';
    throw new UsageError(
      `${options.label('model')} ${given}: expected a model folder or its config.json, got ${why}`,
      {
        cause,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new UsageError(`${path}: expected JSON, got ${(cause as Error).message}`, { cause });
  }
  return { path, config: parseModelConfig(json, path) };
}

function describeRun(plan: MemoryPlan, options: Options<PlanOptions>): string {
  const i = plan.input;
  const base =
    i.quant === 'none'
      ? 'dense f32 base'
      : `${i.quant.toUpperCase()}${i.doubleQuant ? ' + double quant' : ''} 4-bit base`;
  const targets = i.targetModules === 'all-linear' ? 'all-linear' : i.targetModules.join(',');
  const dropout = i.loraDropout ? `, dropout ${i.loraDropout}` : '';
  const checkpointing = i.gradientCheckpointing ? 'gradient checkpointing' : 'no gradient checkpointing';
  return `run: ${base}; LoRA r${i.loraRank} on ${targets} (${plan.counts.adapterParameters.toLocaleString('en-US')} parameters${dropout}); batch ${i.batchSize} × ${i.seqLen} tokens (${options.label('max_length')}: train plans with its longest example); ${checkpointing}`;
}

function textLines(
  path: string,
  config: ModelConfig,
  plan: MemoryPlan,
  options: Options<PlanOptions>,
  limit: MemoryLimit,
): string[] {
  const c = config;
  const lines = [
    `model: ${path} (${c.architecture}, ${c.numLayers} layers, hidden ${c.hiddenSize}, vocab ${c.vocabSize.toLocaleString('en-US')}): ${plan.counts.baseParameters.toLocaleString('en-US')} parameters`,
    describeRun(plan, options),
  ];
  const width = Math.max(...Object.values(PART_LABELS).map((l) => l.length)) + 2;
  for (const [key, bytes] of Object.entries(plan.parts) as [keyof MemoryParts, number][])
    lines.push(`  ${PART_LABELS[key].padEnd(width)}${formatBytes(bytes).padStart(11)}  ${PART_NOTES[key]}`);
  lines.push(`  ${'peak while loading'.padEnd(width)}${formatBytes(plan.peaks.load).padStart(11)}`);
  lines.push(`  ${'peak while training'.padEnd(width)}${formatBytes(plan.peaks.training).padStart(11)}`);
  lines.push(
    `total: ${formatBytes(plan.total)} at peak (${LOAD_ONLY_PARTS.map((k) => PART_LABELS[k]).join(', ')} counts while loading only)`,
  );
  lines.push(
    `memory: ${formatBytes(machineMemory())} RAM, ${formatBytes(freemem())} free now; the run may use ${formatBytes(limit.bytes)} (${limit.source})`,
  );
  if (options.values.backend === 'webgpu')
    lines.push(
      'note: on webgpu the weights, adapter, optimizer and activations live in GPU memory; this plan counts what the wasm backend holds in RAM',
    );
  return lines;
}

export async function planCommand({ io, opts, options }: CommandContext<PlanOptions>): Promise<number> {
  const { out } = printer(io);
  const { path, config } = await readConfig(options);
  const seqLen = Math.min(opts.max_length, config.maxPositions);
  const plan = planRun(config, options, seqLen);
  const limit = memoryLimit(options);
  let refusal: string | undefined;
  try {
    refuseOverLimit('plan', plan, limit);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    refusal = error.message.replace(/^lora plan: /, '');
  }
  if (opts.json) {
    out(
      JSON.stringify({
        model: {
          path,
          architecture: config.architecture,
          layers: config.numLayers,
          hidden: config.hiddenSize,
          vocab: config.vocabSize,
        },
        settings: { ...plan.input, model: undefined },
        counts: plan.counts,
        parts: plan.parts,
        peaks: plan.peaks,
        total: plan.total,
        memory: { total: machineMemory(), free: freemem(), limit: limit.bytes, limitSource: limit.source },
        fits: refusal === undefined,
        ...(refusal !== undefined && { refusal }),
      }),
    );
  } else {
    for (const line of textLines(path, config, plan, options, limit)) out(line);
    out(
      refusal === undefined
        ? `fits: yes, ${formatBytes(plan.total)} of ${formatBytes(limit.bytes)}`
        : `fits: no: ${refusal}`,
    );
  }
  return refusal === undefined ? 0 : 1;
}
