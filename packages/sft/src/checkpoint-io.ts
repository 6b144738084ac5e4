// Checkpoint folders written atomically (@lora/files): everything goes into a temp folder beside the target, which
// is synced and renamed into place, so `checkpoint-N/` is either absent or complete — never half-written.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStaleTemps as removeTemps, writeFolderAtomic as writeFolder } from '@lora/files';
import { CheckpointError } from './errors.js';

export const CHECKPOINT_PREFIX = 'checkpoint';

/**
 * Create `parent/name/` atomically: `fill(tempDir)` writes its files into a fresh temp folder; on success the
 * folder is synced and renamed to `name` (replacing an older folder of that name), on failure it is removed and
 * the error is rethrown as a CheckpointError. A crash leaves only a `.name.<pid>-<hex>.tmp` folder, which
 * `removeStaleTemps` deletes.
 */
export async function writeFolderAtomic(
  parent: string,
  name: string,
  fill: (tempDir: string) => Promise<void>,
): Promise<string> {
  const target = join(parent, name);
  try {
    return await writeFolder(parent, name, fill);
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new CheckpointError(target, `writing ${target} failed: ${detail}; no partial folder was left`, {
      cause: error,
    });
  }
}

/**
 * Delete what interrupted writes left in `parent`: temp files and folders of every pattern the project writes
 * (a checkpoint folder's `.checkpoint-N.<pid>-<hex>.tmp`, the adapter's `.adapter_model.safetensors.<pid>-<hex>.tmp`,
 * and older versions' `.name.tmp-*`). Returns the names removed.
 */
export async function removeStaleTemps(parent: string): Promise<string[]> {
  return removeTemps(parent);
}

/** `checkpoint-N` folder names in `parent` with their step N, sorted by step (ascending). */
export async function listCheckpoints(parent: string): Promise<{ step: number; path: string }[]> {
  const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
  const found: { step: number; path: string }[] = [];
  for (const e of entries) {
    const m = /^checkpoint-(\d+)$/.exec(e.name);
    if (m && e.isDirectory()) found.push({ step: Number(m[1]), path: join(parent, e.name) });
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
