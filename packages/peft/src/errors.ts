// Named errors of @lora/peft: each message says what failed, what was expected and what was found, naming the
// file, config key, module or tensor.

/** A LoRA config (an object or adapter_config.json) that PEFT would reject or that this package cannot honour. */
export class LoraConfigError extends Error {
  override name = 'LoraConfigError';
}

/** target_modules matched none of the model's linears (the message lists them). */
export class TargetModulesError extends Error {
  override name = 'TargetModulesError';
}

/** A merge or unmerge that cannot be done (no dense base weight, already merged, not merged). */
export class MergeError extends Error {
  override name = 'MergeError';
}

/** An adapter file that cannot be read at all (missing file, bad JSON, wrong peft_type, wrong format). */
export class AdapterFormatError extends Error {
  override name = 'AdapterFormatError';
}

/** Why one adapter tensor does not fit the model. */
export type AdapterProblemKind =
  | 'missing-key'
  | 'unexpected-key'
  | 'unknown-module'
  | 'layer-out-of-range'
  | 'wrong-rank'
  | 'wrong-shape'
  | 'wrong-dtype';

/** One mismatch between an adapter file and the model it is loaded into. */
export interface AdapterProblem {
  kind: AdapterProblemKind;
  /** the tensor key as written in (or expected in) the adapter file */
  key: string;
  detail: string;
}

/** An adapter whose tensors do not fit this model: every problem is listed by key, none is ignored. */
export class AdapterMismatchError extends Error {
  override name = 'AdapterMismatchError';
  readonly file: string;
  readonly problems: readonly AdapterProblem[];

  constructor(file: string, problems: readonly AdapterProblem[]) {
    const shown = problems.slice(0, 20).map((p) => `  ${p.kind} ${p.key}: ${p.detail}`);
    const more = problems.length > shown.length ? [`  … and ${problems.length - shown.length} more`] : [];
    super(
      `${file}: adapter does not fit the model (${problems.length} problem(s)):\n${[...shown, ...more].join('\n')}`,
    );
    this.file = file;
    this.problems = problems;
  }

  /** The problems of one kind (what tests and callers usually want to look at). */
  ofKind(kind: AdapterProblemKind): AdapterProblem[] {
    return this.problems.filter((p) => p.kind === kind);
  }
}

/** An adapter that mlx-lm's format cannot express (per-module ranks, biases, modules_to_save), or a bad mlx-lm file. */
export class MlxFormatError extends Error {
  override name = 'MlxFormatError';
}
