// Does a plan fit? A clear MemoryPlanError with how much is needed and which single change would make it fit.
import { type MemoryPlan, MemoryPlanError, type MemoryPlanInput, planMemory } from './memory-plan.js';

const PART_LABELS: Record<keyof MemoryPlan['parts'], string> = {
  baseWeights: 'base weights',
  adapter: 'adapter',
  optimizer: 'optimizer state',
  gradients: 'gradients',
  activations: 'activations',
  logitsChunk: 'logits chunk',
};

/** Bytes as "1.23 GiB" / "456.0 MiB" / "789 B". */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** Single changes worth trying, each re-planned: [description, total bytes after the change]. */
export function alternatives(input: MemoryPlanInput): [string, number][] {
  const options: [string, Partial<MemoryPlanInput>][] = [];
  if (!input.gradientCheckpointing)
    options.push(['enable gradientCheckpointing', { gradientCheckpointing: true }]);
  for (let b = input.batchSize >> 1; b >= 1; b >>= 1)
    options.push([
      `batchSize ${b} (raise gradientAccumulationSteps to keep the effective batch)`,
      { batchSize: b },
    ]);
  for (let t = input.seqLen >> 1; t >= 128; t >>= 1) options.push([`seqLen ${t}`, { seqLen: t }]);
  const chunk = input.vocabChunk ?? input.config.vocabSize;
  if (chunk > 4096) options.push(['vocabChunk 4096', { vocabChunk: 4096 }]);
  if (input.quant === 'none') options.push(["quant 'nf4' (QLoRA)", { quant: 'nf4' }]);
  if (input.quant !== 'none' && !input.doubleQuant) options.push(['doubleQuant', { doubleQuant: true }]);
  if (input.loraRank > 4)
    options.push([`loraRank ${input.loraRank >> 1}`, { loraRank: input.loraRank >> 1 }]);
  return options.map(([label, change]) => [label, planMemory({ ...input, ...change }).total]);
}

/**
 * Throws MemoryPlanError when `plan.total` exceeds `availableBytes`, saying how much is needed, the largest parts,
 * and the first single changes that would fit (else the ones that save the most).
 */
export function assertFits(plan: MemoryPlan, availableBytes: number): void {
  if (!(availableBytes >= 0))
    throw new MemoryPlanError(
      `assertFits availableBytes: expected a number of bytes >= 0, got ${availableBytes}`,
    );
  if (plan.total <= availableBytes) return;
  const parts = (Object.entries(plan.parts) as [keyof MemoryPlan['parts'], number][])
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, v]) => `${PART_LABELS[k]} ${formatBytes(v)}`);
  const alts = alternatives(plan.input).filter(([, total]) => total < plan.total);
  const fitting = alts.filter(([, total]) => total <= availableBytes);
  const shown = (fitting.length > 0 ? fitting : alts.sort((a, b) => a[1] - b[1])).slice(0, 4);
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
