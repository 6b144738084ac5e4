// Before a run: @lora/sft's memory planner on the model's shapes (@lora/models memoryShapes) and the run's settings,
// plus the stored weights the page keeps to rebuild the model, against what a tab may use — and a refusal naming the
// largest parts and the changes that would fit when the run cannot. On a GPU backend the plan also has the device's
// largest array: the tables the run will keep in row blocks, or the tensor it will refuse.
import { DEFAULT_VOCAB_CHUNK, type ModelConfig, memoryShapes, parseModelConfig } from '@lora/models';
import {
  assertFits,
  formatBytes,
  largestParts,
  type MemoryPlan,
  MemoryPlanError,
  planMemory,
} from '@lora/sft';
import { ModelFolderError } from './model-files.js';
import type { RunSettings } from './run-settings.js';

/** A wasm32 memory holds at most 4 GiB, and the wasm backend keeps the model's arrays in it. */
export const WASM32_BYTES = 4 * 2 ** 30;

export interface MemoryEstimate {
  /** bytes the run needs at its peak, stored weights included */
  total: number;
  /** bytes the tab may use */
  limit: number;
  /** where the limit comes from */
  limitSource: string;
  fits: boolean;
  /** one line for the page */
  line: string;
  /** why it does not fit and what would, when it does not */
  refusal: string | undefined;
}

/** What the tab may use: the 4 GiB of a wasm32 memory, or half of navigator.deviceMemory when that is less. */
export function tabMemoryLimit(deviceMemoryGiB: number | undefined): { bytes: number; source: string } {
  if (deviceMemoryGiB !== undefined && deviceMemoryGiB > 0 && (deviceMemoryGiB / 2) * 2 ** 30 < WASM32_BYTES)
    return {
      bytes: (deviceMemoryGiB / 2) * 2 ** 30,
      source: `half of navigator.deviceMemory (${deviceMemoryGiB} GiB)`,
    };
  return { bytes: WASM32_BYTES, source: "a wasm32 memory's 4 GiB" };
}

/** The selected backend's largest array: its memory's maxArrayBytes. */
export interface ArrayLimit {
  bytes: number;
  /** the backend's name */
  backend: string;
}

/** The plan of the page's run; with `maxArrayBytes`, throws MemoryPlanError naming a tensor no array can hold. */
export function planRun(
  config: ModelConfig,
  settings: RunSettings,
  seqLen: number,
  maxArrayBytes?: number,
): MemoryPlan {
  return planMemory({
    model: memoryShapes(config),
    quant: 'nf4',
    doubleQuant: true,
    loraRank: settings.lora.r,
    targetModules: 'all-linear',
    loraDropout: settings.lora.dropout,
    modulesToSave: settings.lora.modulesToSave,
    batchSize: settings.batchSize,
    seqLen,
    vocabChunk: DEFAULT_VOCAB_CHUNK,
    runtimeBytes: 0, // the planner's default is a Node process's; the tab's own memory is outside the wasm heap
    ...(maxArrayBytes !== undefined ? { maxArrayBytes } : {}),
  });
}

/** The tables kept in row blocks, or that every tensor fits an array whole. */
function describeBlocks(plan: MemoryPlan, array: ArrayLimit): string {
  const split = plan.rowBlocks.filter((t) => t.blocks > 1);
  const within = `${array.backend}'s largest array ${formatBytes(array.bytes)}`;
  if (split.length === 0) return `${within}: every tensor fits whole`;
  const tables = split.map(
    (t) => `${t.name} in ${t.blocks} row blocks of ${t.rowsPerBlock.toLocaleString('en-US')} rows`,
  );
  return `${within}: ${tables.join(', ')}`;
}

/** The plan within `array`; a tensor that no array holds is the refusal, with the plan made without the limit. */
function planWithin(
  config: ModelConfig,
  settings: RunSettings,
  seqLen: number,
  array: ArrayLimit | undefined,
): { plan: MemoryPlan; blocks: string | undefined; tooLarge: string | undefined } {
  if (array === undefined)
    return { plan: planRun(config, settings, seqLen), blocks: undefined, tooLarge: undefined };
  try {
    const plan = planRun(config, settings, seqLen, array.bytes);
    return { plan, blocks: describeBlocks(plan, array), tooLarge: undefined };
  } catch (error) {
    const prefix = 'planMemory maxArrayBytes: ';
    if (!(error instanceof MemoryPlanError && error.message.startsWith(prefix))) throw error;
    const tooLarge = `${array.backend}'s largest array: ${error.message.slice(prefix.length)}`;
    return { plan: planRun(config, settings, seqLen), blocks: undefined, tooLarge };
  }
}

/**
 * The run's memory against what the tab may use (`limit`), and on a GPU backend within its largest array (`array`):
 * the line says which tables the run keeps in row blocks, and a tensor no array can hold is the refusal.
 */
export function estimateMemory(
  config: ModelConfig,
  settings: RunSettings,
  seqLen: number,
  storedWeightBytes: number,
  limit: { bytes: number; source: string },
  array?: ArrayLimit,
): MemoryEstimate {
  const { plan, blocks, tooLarge } = planWithin(config, settings, seqLen, array);
  const total = plan.total + storedWeightBytes;
  const largest = largestParts(plan, 3).map(([part, bytes]) => `${part} ${formatBytes(bytes)}`);
  const line =
    `memory plan: ${formatBytes(total)} at peak (${formatBytes(plan.total)} for training — largest ${largest.join(', ')} — ` +
    `and ${formatBytes(storedWeightBytes)} of stored weights), limit ${formatBytes(limit.bytes)} (${limit.source})` +
    (blocks !== undefined ? `; ${blocks}` : '');
  let refusal: string | undefined = tooLarge;
  if (refusal === undefined && total > limit.bytes) {
    const why = `the run needs ${formatBytes(total)}, above the ${formatBytes(limit.bytes)} a tab may use (${limit.source})`;
    try {
      assertFits(plan, Math.max(0, limit.bytes - storedWeightBytes));
      refusal = `${why}: the stored weights alone take ${formatBytes(storedWeightBytes)}; use a smaller model`;
    } catch (error) {
      refusal = `${why}; ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return { total, limit: limit.bytes, limitSource: limit.source, fits: refusal === undefined, line, refusal };
}

/**
 * Before a picked folder is stored or read: the plan from its config.json and the size of its safetensors files, at
 * the longest sequence the settings allow. Throws ModelFolderError with the refusal when the run cannot fit.
 */
export function refuseUnfitModel(
  label: string,
  configText: string,
  weightBytes: number,
  settings: RunSettings,
  limit: { bytes: number; source: string },
  array?: ArrayLimit,
): void {
  let config: ModelConfig;
  try {
    config = parseModelConfig(JSON.parse(configText), `${label}config.json`);
  } catch (cause) {
    throw new ModelFolderError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
  const estimate = estimateMemory(
    config,
    settings,
    Math.min(settings.maxLength, config.maxPositions),
    weightBytes,
    limit,
    array,
  );
  if (estimate.refusal !== undefined)
    throw new ModelFolderError(`${label}: refused before loading: ${estimate.refusal}`);
}
