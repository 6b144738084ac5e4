// The error types of @lora/sft: bad arguments, a run that went non-finite, a checkpoint that cannot be used, a storage
// that cannot be used, a plan that does not fit.

/** A trainer argument, dataset example or model contract that cannot be used (thrown before training starts). */
export class TrainerConfigError extends Error {
  override name = 'TrainerConfigError';
  /** the argument or example concerned, e.g. "learningRate" or "trainDataset[12]" */
  readonly key: string;
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.key = key;
  }
}

/** Which tensor went non-finite. */
export type BadTensor = 'loss' | 'grad' | 'param';

export interface TrainingErrorDetails {
  /** the optimizer step being computed (1-based) */
  step: number;
  tensor: BadTensor;
  /** the parameter's Hugging Face name (it says the layer); absent for the loss */
  parameter?: string;
  /** flat index of the first bad element */
  index?: number;
  value?: number;
}

/** Training stopped: a loss, gradient or parameter went NaN/Inf, or the model broke its contract mid-run. */
export class TrainingError extends Error {
  override name = 'TrainingError';
  readonly step: number;
  readonly tensor: BadTensor | undefined;
  readonly parameter: string | undefined;
  /** flat index of the first bad element of a grad or param */
  readonly index: number | undefined;
  readonly value: number | undefined;
  constructor(
    message: string,
    details: Partial<TrainingErrorDetails> & { step: number },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.step = details.step;
    this.tensor = details.tensor;
    this.parameter = details.parameter;
    this.index = details.index;
    this.value = details.value;
  }
}

/** A checkpoint could not be written, found or restored. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
  /** the checkpoint folder or file concerned */
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}

/** A run storage that cannot be used: a bad path, or no file system where one was asked for. */
export class StorageError extends Error {
  override name = 'StorageError';
  /** the path or storage root concerned */
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}
