// A run's memory: @lora/sft's plan from config.json's shapes (@lora/models' memoryShapes, any architecture) and the
// run's options, the memory the run may use (--max-memory, else 90% of the machine's RAM), and the refusal of a
// plan above it, naming the flags that would make it fit.
import { totalmem } from 'node:os';
import { DEFAULT_VOCAB_CHUNK, type ModelConfig, memoryShapes } from '@lora/models';
import {
  assertFits,
  formatBytes,
  type MemoryPlan,
  MemoryPlanError,
  type MemoryPlanInput,
  planMemory,
} from '@lora/sft';
import { UsageError } from './errors.js';
import { sftOptimizer } from './optimizer-names.js';
import type { Options } from './options.js';
import type { PlanOptions, TrainOptions } from './verb-options.js';

/** What a memory plan reads: lora plan's options, and train's optimizer when there is one. */
export type PlanInputOptions = Omit<PlanOptions, 'json'> & Partial<Pick<TrainOptions, 'optim'>>;

/** The share of the machine's memory a run may plan to use without --max-memory. */
export const DEFAULT_MEMORY_SHARE = 0.9;

/** The machine's memory: RAM, or the cgroup's limit when it is lower (a container). */
export function machineMemory(): number {
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const total = totalmem();
  return constrained !== undefined && constrained > 0 && constrained < total ? constrained : total;
}

export interface MemoryLimit {
  bytes: number;
  /** where the limit comes from, for messages: "--max-memory 20GiB" or "90% of 23.5 GiB RAM" */
  source: string;
}

const UNITS: Record<string, number> = {
  b: 1,
  k: 2 ** 10,
  kib: 2 ** 10,
  m: 2 ** 20,
  mib: 2 ** 20,
  g: 2 ** 30,
  gib: 2 ** 30,
  t: 2 ** 40,
  tib: 2 ** 40,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
};

/** "20GiB", "1.5 TB", "25769803776", "80%" (of the machine's memory) as bytes; undefined when unreadable. */
export function parseMemorySize(text: string, machine = machineMemory()): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*|%)\s*$/i.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  if (m[2] === '%') return value > 0 && value <= 100 ? Math.floor((value / 100) * machine) : undefined;
  const unit = UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined || value <= 0 ? undefined : Math.floor(value * unit);
}

/** --max-memory, else DEFAULT_MEMORY_SHARE of the machine's memory. Throws UsageError for an unreadable size. */
export function memoryLimit(options: Options<Pick<PlanOptions, 'max_memory'>>): MemoryLimit {
  const machine = machineMemory();
  const given = options.values.max_memory;
  if (given === undefined)
    return {
      bytes: Math.floor(DEFAULT_MEMORY_SHARE * machine),
      source: `${DEFAULT_MEMORY_SHARE * 100}% of ${formatBytes(machine)} RAM; --max-memory sets it`,
    };
  const bytes = parseMemorySize(given, machine);
  if (bytes === undefined)
    throw new UsageError(
      `${options.label('max_memory')}: expected a size in bytes, with a unit (KiB, MiB, GiB, TiB; KB, MB, GB, TB) or as a % of RAM, got "${given}"`,
    );
  return { bytes, source: `${options.label('max_memory')} ${given}` };
}

/**
 * The planner's input for `config`'s model trained with `options` on sequences of `seqLen` tokens, on a device whose
 * largest array is `maxArrayBytes` (the selected backend's memory; none on the CPU).
 */
export function memoryPlanInput(
  config: ModelConfig,
  opts: PlanInputOptions,
  seqLen: number,
  maxArrayBytes?: number,
): MemoryPlanInput {
  const targets = opts.target_modules;
  return {
    model: memoryShapes(config),
    quant: opts.quant,
    doubleQuant: opts.double_quant,
    loraRank: opts.lora_r,
    targetModules: targets.length === 1 && targets[0] === 'all-linear' ? 'all-linear' : targets,
    loraDropout: opts.lora_dropout,
    modulesToSave: opts.modules_to_save ?? [],
    batchSize: opts.batch_size,
    seqLen,
    gradientCheckpointing: opts.gradient_checkpointing,
    vocabChunk: DEFAULT_VOCAB_CHUNK,
    optimizer: sftOptimizer(opts.optim ?? 'adamw_torch'),
    ...(maxArrayBytes !== undefined ? { maxArrayBytes } : {}),
  };
}

/**
 * The plan, with a bad target list reported against --target-modules; with the device's largest array, a tensor
 * that cannot fit it (a row of the embedding, a linear's weight) is refused naming it.
 */
export function planRun(
  config: ModelConfig,
  options: Options<PlanInputOptions>,
  seqLen: number,
  maxArrayBytes?: number,
): MemoryPlan {
  try {
    return planMemory(memoryPlanInput(config, options.values, seqLen, maxArrayBytes));
  } catch (cause) {
    const key =
      cause instanceof MemoryPlanError && /^planMemory (targetModules|modulesToSave): /.exec(cause.message);
    if (cause instanceof MemoryPlanError && cause.message.startsWith('planMemory maxArrayBytes: '))
      throw new UsageError(`the selected backend's memory: ${cause.message.slice('planMemory '.length)}`, {
        cause,
      });
    if (!key) throw cause;
    const option = key[1] === 'targetModules' ? 'target_modules' : 'modules_to_save';
    throw new UsageError(`${options.label(option)}: ${cause.message.slice(key[0].length)}`, { cause });
  }
}

/** A change the planner suggests, as the flags that make it (undefined: no flag does). */
function asFlags(change: Partial<MemoryPlanInput>): string | undefined {
  if (change.gradientCheckpointing) return '--gradient-checkpointing';
  if (change.batchSize !== undefined) return `--batch-size ${change.batchSize} with a larger --grad-accum`;
  if (change.seqLen !== undefined) return `--max-length ${change.seqLen}`;
  if (change.quant !== undefined) return `--quant ${change.quant}`;
  if (change.doubleQuant) return '--double-quant';
  if (change.loraDropout !== undefined) return `--lora-dropout ${change.loraDropout}`;
  if (change.loraRank !== undefined) return `--lora-r ${change.loraRank}`;
  return undefined;
}

/** Throws UsageError (one line) when the plan exceeds the limit: what it needs, its largest parts, what fits. */
export function refuseOverLimit(verb: string, plan: MemoryPlan, limit: MemoryLimit): void {
  try {
    assertFits(plan, limit.bytes, asFlags);
  } catch (cause) {
    if (!(cause instanceof MemoryPlanError)) throw cause;
    const detail = cause.message.replace(/^memory plan: needs [^;]*; /, '');
    throw new UsageError(
      `lora ${verb}: the memory plan needs ${formatBytes(plan.total)}, above the ${formatBytes(limit.bytes)} this run may use (${limit.source}); ${detail}; or raise --max-memory to run anyway (lora plan shows every part)`,
      { cause },
    );
  }
}
