// Which checkpoint-N folders a run's storage holds, and which of them save_total_limit deletes. Writing one
// atomically is the storage's writeFolder (a folder appears whole or not at all).
import type { RunStorage } from './run-storage.js';

export const CHECKPOINT_PREFIX = 'checkpoint';

/** A `checkpoint-N` folder of a storage: its step N, its name there and its path (`storage.pathOf(name)`). */
export interface CheckpointRef {
  step: number;
  name: string;
  path: string;
}

/** The `checkpoint-N` folders in the storage, sorted by step (ascending). */
export async function listCheckpoints(storage: RunStorage): Promise<CheckpointRef[]> {
  const found: CheckpointRef[] = [];
  for (const e of await storage.list()) {
    const m = /^checkpoint-(\d+)$/.exec(e.name);
    if (m && e.kind === 'folder')
      found.push({ step: Number(m[1]), name: e.name, path: storage.pathOf(e.name) });
  }
  return found.sort((a, b) => a.step - b.step);
}

/**
 * Which checkpoints `save_total_limit` deletes, as transformers' _rotate_checkpoints does: sorted by step, the
 * best one moved to the second-to-last place (so the newest and the best survive), and a limit of 1 raised to 2
 * while the best is not the newest. Returns the paths to delete, oldest first.
 */
export function checkpointsToDelete(
  sortedPaths: readonly string[],
  limit: number | undefined,
  best: string | null,
): string[] {
  if (limit === undefined || limit <= 0 || sortedPaths.length <= limit) return [];
  const order = [...sortedPaths];
  const bestIndex = best === null ? -1 : order.indexOf(best);
  if (bestIndex >= 0) {
    for (let i = bestIndex; i < order.length - 2; i++) [order[i], order[i + 1]] = [order[i + 1]!, order[i]!];
  }
  let keep = limit;
  if (best !== null && limit === 1 && order[order.length - 1] !== best) keep = 2;
  return order.slice(0, Math.max(0, order.length - keep));
}
