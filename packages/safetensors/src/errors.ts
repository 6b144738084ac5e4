// The one error type of @lora/safetensors; `code` mirrors huggingface/safetensors' SafeTensorError variants where one exists.

/** What went wrong in a `SafetensorsError`, named as the Rust crate names it where it has the case. */
export type SafetensorsErrorCode =
  // reading a file or buffer (names as in the Rust crate)
  | 'HeaderTooSmall'
  | 'HeaderTooLarge'
  | 'InvalidHeaderLength'
  | 'InvalidHeader'
  | 'InvalidHeaderDeserialization'
  | 'UnknownDtype'
  | 'InvalidMetadata'
  | 'InvalidOffset'
  | 'TensorInvalidInfo'
  | 'MisalignedSlice'
  | 'ValidationOverflow'
  | 'MetadataIncompleteBuffer'
  // using what was read
  | 'TensorNotFound'
  | 'UnsupportedDtype'
  | 'Closed'
  // writing
  | 'InvalidTensor'
  | 'Aborted'
  // sharded checkpoints
  | 'CheckpointNotFound'
  | 'InvalidIndex'
  | 'MissingShard'
  | 'TensorNotInShard'
  // the file system
  | 'Io';

export interface SafetensorsErrorOptions {
  tensor?: string;
  cause?: unknown;
}

/** Every failure of this package: `file` is the path (or buffer name), `tensor` the tensor concerned, if any. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  readonly code: SafetensorsErrorCode;
  readonly file: string;
  readonly tensor: string | undefined;

  constructor(
    code: SafetensorsErrorCode,
    file: string,
    message: string,
    options: SafetensorsErrorOptions = {},
  ) {
    const where = options.tensor === undefined ? file : `${file}: tensor ${JSON.stringify(options.tensor)}`;
    super(`${where}: ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.file = file;
    this.tensor = options.tensor;
  }
}

/** Wrap a file-system failure (anything that is not already a SafetensorsError). */
export function ioError(file: string, what: string, cause: unknown): SafetensorsError {
  if (cause instanceof SafetensorsError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SafetensorsError('Io', file, `${what}: ${detail}`, { cause });
}
