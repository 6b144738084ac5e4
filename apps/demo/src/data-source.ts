// Where the run's examples come from: @lora/datasets' story-questions task (the CLI default's data), or a file the
// person picks — JSON, JSON Lines, CSV or TSV in any format @lora/datasets reads (messages, alpaca,
// prompt-completion, text, ShareGPT …), read from its text with parseDataset — split into training and held-out.
import {
  DatasetError,
  fileTypeOf,
  parseDataset,
  type SftExample,
  storyQuestionsTask,
  trainEvalSplit,
} from '@lora/datasets';
import { STORY_TASK } from './run-settings.js';

export interface DataSource {
  /** for the page: "story questions (seed 7)" or the file's name */
  label: string;
  /** the detected format ("messages", "alpaca", …) */
  format: string;
  train: SftExample[];
  eval: SftExample[];
}

/** The CLI default's task: `train` stories for training and the 64 held-out ones (the same whatever `train` is). */
export function storySource(train: number): DataSource {
  const task = storyQuestionsTask({ seed: STORY_TASK.seed, train, eval: STORY_TASK.eval });
  return {
    label: `story questions (@lora/datasets storyQuestionsTask, seed ${STORY_TASK.seed})`,
    format: 'messages',
    train: task.train,
    eval: task.eval,
  };
}

/** Held out from an uploaded file: a tenth of it, at least 1 and at most 64 examples (none below 10 examples). */
export function heldOutCount(examples: number): number {
  return examples < 10 ? 0 : Math.min(64, Math.max(1, Math.round(examples / 10)));
}

/**
 * The examples of an uploaded file; the file type comes from its name. Throws DatasetError naming the file (and the
 * line or record) when it cannot be read.
 */
export function uploadedSource(name: string, bytes: Uint8Array, seed: number): DataSource {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new DatasetError(`${name}: expected UTF-8 text, got bytes that are not`, {
      cause,
      where: { file: name },
    });
  }
  const loaded = parseDataset(text, { file: name, fileType: fileTypeOf(name), onEmpty: 'skip' });
  if (loaded.examples.length === 0)
    throw new DatasetError(`${name}: expected at least one example, got none`, { where: { file: name } });
  const evalCount = heldOutCount(loaded.examples.length);
  const split =
    evalCount === 0
      ? { train: loaded.examples, eval: [] }
      : trainEvalSplit(loaded.examples, { seed, evalSize: evalCount });
  return { label: name, format: loaded.format, train: split.train, eval: split.eval };
}
