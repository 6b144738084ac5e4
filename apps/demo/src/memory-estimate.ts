// Before a run: @lora/sft's memory planner on the model's shapes (@lora/models memoryShapes) and the run's settings,
// plus the stored weights the page keeps to rebuild the model, against what a tab may use — and a refusal naming the
// largest parts and the changes that would fit when the run cannot.
import { DEFAULT_VOCAB_CHUNK, type ModelConfig, memoryShapes, parseModelConfig } from '@lora/models';
import { assertFits, formatBytes, largestParts, type MemoryPlan, planMemory } from '@lora/sft';
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

export function planRun(config: ModelConfig, settings: RunSettings, seqLen: number): MemoryPlan {
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
  });
}

export function estimateMemory(
  config: ModelConfig,
  settings: RunSettings,
  seqLen: number,
  storedWeightBytes: number,
  limit: { bytes: number; source: string },
): MemoryEstimate {
  const plan = planRun(config, settings, seqLen);
  const total = plan.total + storedWeightBytes;
  const largest = largestParts(plan, 3).map(([part, bytes]) => `${part} ${formatBytes(bytes)}`);
  const line =
    `memory plan: ${formatBytes(total)} at peak (${formatBytes(plan.total)} for training — largest ${largest.join(', ')} — ` +
    `and ${formatBytes(storedWeightBytes)} of stored weights), limit ${formatBytes(limit.bytes)} (${limit.source})`;
  let refusal: string | undefined;
  if (total > limit.bytes) {
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
  );
  if (estimate.refusal !== undefined)
    throw new ModelFolderError(`${label}: refused before loading: ${estimate.refusal}`);
}
