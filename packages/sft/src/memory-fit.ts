// Does a plan fit? A clear MemoryPlanError with how much is needed and which single change would make it fit.
import {
  LOAD_ONLY_PARTS,
  type MemoryParts,
  type MemoryPlan,
  MemoryPlanError,
  type MemoryPlanInput,
  planMemory,
} from './memory-plan.js';

/** How each part is named in messages and breakdowns. */
export const PART_LABELS: Readonly<Record<keyof MemoryParts, string>> = {
  runtime: 'runtime',
  tokenizer: 'tokenizer',
  baseWeights: 'base weights',
  loadTransient: 'load transient',
  adapter: 'adapter',
  gradients: 'gradients',
  optimizer: 'optimizer state',
  activations: 'activations',
  loraBuffers: 'LoRA buffers',
  logitsChunk: 'logits chunk',
  staging: 'staging',
};

/** The parts in the training peak, largest first: [label, bytes]. */
export function largestParts(plan: MemoryPlan, count = Number.POSITIVE_INFINITY): [string, number][] {
  return (Object.entries(plan.parts) as [keyof MemoryParts, number][])
    .filter(([k, v]) => v > 0 && !LOAD_ONLY_PARTS.includes(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k, v]) => [PART_LABELS[k], v]);
}

/** Bytes as "1.23 GiB" / "456.0 MiB" / "789 B". */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** Single changes worth trying, each re-planned: [description, total bytes after the change, the change]. */
export function alternatives(input: MemoryPlanInput): [string, number, Partial<MemoryPlanInput>][] {
  const options: [string, Partial<MemoryPlanInput>][] = [];
  if (!input.gradientCheckpointing)
    options.push(['enable gradientCheckpointing', { gradientCheckpointing: true }]);
  for (let b = input.batchSize >> 1; b >= 1; b >>= 1)
    options.push([
      `batchSize ${b} (raise gradientAccumulationSteps to keep the effective batch)`,
      { batchSize: b },
    ]);
  for (let t = input.seqLen >> 1; t >= 128; t >>= 1) options.push([`seqLen ${t}`, { seqLen: t }]);
  const chunk = input.vocabChunk ?? input.model.vocabSize;
  if (chunk > 4096) options.push(['vocabChunk 4096', { vocabChunk: 4096 }]);
  if (input.quant === 'none') options.push(["quant 'nf4' (QLoRA)", { quant: 'nf4' }]);
  if (input.quant !== 'none' && !input.doubleQuant) options.push(['doubleQuant', { doubleQuant: true }]);
  if ((input.loraDropout ?? 0) > 0)
    options.push(['loraDropout 0 (no dropped copy of the adapted input)', { loraDropout: 0 }]);
  if (input.loraRank > 4)
    options.push([`loraRank ${input.loraRank >> 1}`, { loraRank: input.loraRank >> 1 }]);
  return options.map(([label, change]) => [label, planMemory({ ...input, ...change }).total, change]);
}

/**
 * Throws MemoryPlanError when `plan.total` exceeds `availableBytes`, saying how much is needed, the largest parts,
 * and the first single changes that would fit (else the ones that save the most). `describe` words a change in the
 * caller's terms (a CLI's flags); a change it returns undefined for is not offered.
 */
export function assertFits(
  plan: MemoryPlan,
  availableBytes: number,
  describe: (change: Partial<MemoryPlanInput>, label: string) => string | undefined = (_, label) => label,
): void {
  if (!(availableBytes >= 0))
    throw new MemoryPlanError(
      `assertFits availableBytes: expected a number of bytes >= 0, got ${availableBytes}`,
    );
  if (plan.total <= availableBytes) return;
  const parts = largestParts(plan, 3).map(([label, v]) => `${label} ${formatBytes(v)}`);
  const alts = alternatives(plan.input)
    .map(([label, total, change]) => [describe(change, label), total] as const)
    .filter((a): a is readonly [string, number] => a[0] !== undefined && a[1] < plan.total);
  const fitting = alts.filter(([, total]) => total <= availableBytes);
  const shown = (fitting.length > 0 ? fitting : [...alts].sort((a, b) => a[1] - b[1])).slice(0, 4);
  const advice =
    shown.length === 0
      ? 'no single change fits; use a smaller model'
      : `${fitting.length > 0 ? 'any one of these fits' : 'no single change fits; these save the most'}: ${shown.map(([l, t]) => `${l} (${formatBytes(t)})`).join('; ')}`;
  throw new MemoryPlanError(
    `memory plan: needs ${formatBytes(plan.total)}, got ${formatBytes(availableBytes)} available (short by ${formatBytes(plan.total - availableBytes)}); largest parts: ${parts.join(', ')}; ${advice}`,
    plan.total,
    availableBytes,
  );
}
