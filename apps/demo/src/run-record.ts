// What a run in OPFS was (demo-run.json next to the Trainer's files), so that a reload can offer to continue it from
// its last checkpoint with the same model, data and settings — the Trainer refuses a resume whose data or settings
// differ.
import { latestCheckpoint, type RunStorage } from '@lora/sft';
import type { ChatFormatChoice } from './chat-setup.js';
import type { ResumableRun } from './protocol.js';

export const RUN_RECORD = 'demo-run.json';

export interface RunRecord {
  /** the base: the shipped stories260K, or the folder kept in OPFS */
  model: { kind: 'default' | 'stored'; label: string };
  /** the data: the story task, or the uploaded file kept in OPFS under this name */
  data: { kind: 'stories' } | { kind: 'upload'; name: string };
  chatFormat: ChatFormatChoice;
  steps: number;
  /** set once the run has trained to its last step */
  finished: boolean;
}

export async function writeRecord(storage: RunStorage, record: RunRecord): Promise<void> {
  await storage.writeFile(RUN_RECORD, `${JSON.stringify(record, null, 2)}\n`);
}

export async function readRecord(storage: RunStorage): Promise<RunRecord | undefined> {
  const bytes = await storage.readFile(RUN_RECORD);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as RunRecord;
  } catch {
    return undefined; // a record cut short: nothing to resume
  }
}

/** The run a reload can continue: an unfinished record and a complete checkpoint; undefined otherwise. */
export async function resumableRun(
  storage: RunStorage,
): Promise<{ record: RunRecord; run: ResumableRun } | undefined> {
  const record = await readRecord(storage);
  if (!record || record.finished) return undefined;
  const latest = await latestCheckpoint(storage);
  if (latest === undefined) return undefined;
  const step = Number(/checkpoint-(\d+)$/.exec(latest)?.[1]);
  if (!Number.isInteger(step)) return undefined;
  const data = record.data.kind === 'stories' ? 'story questions' : record.data.name;
  return { record, run: { step, maxSteps: record.steps, model: record.model.label, data } };
}
