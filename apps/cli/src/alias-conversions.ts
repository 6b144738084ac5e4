// Conversions for the aliases whose values mean something else than their option's: a boolean that picks a choice
// (load_in_4bit: true → quant nf4), a negation (train_on_inputs), a wrapper (axolotl's `datasets: - path: …`).
// Each takes the value as written (a YAML value or a flag string) and returns a value for the option's own check,
// or calls `fail` with what it expected; a value with no equivalent here is refused, never dropped.

/** `fail(expected, got?)`: throws "<label>: expected <expected>, got <got or the value>" */
export type Fail = (expected: string, got?: string) => never;

/** An alias's value → the option's value (before the option's own check). */
export type AliasConversion = (raw: unknown, fail: Fail) => unknown;

function asBoolean(raw: unknown, fail: Fail, expected = 'true or false'): boolean {
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  return fail(expected);
}

/** transformers/TRL/axolotl `load_in_4bit`: true → nf4 (bitsandbytes' 4-bit type in QLoRA), false → a dense base */
export const loadIn4bit: AliasConversion = (raw, fail) => (asBoolean(raw, fail) ? 'nf4' : 'none');

/** `bnb_4bit_quant_type`: bitsandbytes' two 4-bit types (it has no "none") */
export const fourBitType: AliasConversion = (raw, fail) =>
  raw === 'nf4' || raw === 'fp4' ? raw : fail('nf4 or fp4');

/** axolotl `lora_target_linear: true` → all-linear; false names nothing, so it is refused with the way to name */
export const targetLinear: AliasConversion = (raw, fail) =>
  asBoolean(raw, fail)
    ? 'all-linear'
    : fail('true (all linear layers); to pick layers name them with target_modules');

/** axolotl `train_on_inputs`: the negation of completion_only */
export const negated: AliasConversion = (raw, fail) => !asBoolean(raw, fail);

/** TRL `dataset_text_field`: the column holding the text → field_map { text: column } */
export const textField: AliasConversion = (raw, fail) =>
  typeof raw === 'string' && raw !== '' ? { text: raw } : fail('a column name');

/**
 * axolotl `datasets:` / `test_datasets:` in their simplest form, one local file: `- path: data.jsonl` → the path.
 * Several entries, or an entry with more than a path (type:, split:, data_files: …), are refused by name.
 */
export const singleDatasetPath: AliasConversion = (raw, fail) => {
  const form = 'one entry "- path: FILE"';
  if (!Array.isArray(raw)) return fail(`a list of ${form}`);
  if (raw.length !== 1) {
    return fail(`${form} (merge several files with lora prepare)`, `a list of ${raw.length} entries`);
  }
  const entry: unknown = raw[0];
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return fail(form, 'an entry that is not a mapping');
  const keys = Object.keys(entry);
  if (keys.length !== 1 || keys[0] !== 'path') {
    return fail(
      `${form} with no other key (the format goes in format:, columns in field_map:)`,
      `an entry with keys ${keys.join(', ')}`,
    );
  }
  return (entry as { path: unknown }).path;
};

/**
 * transformers/axolotl `resume_from_checkpoint`: true → resume from the latest checkpoint in the output folder;
 * a checkpoint folder cannot be picked here (--resume always continues from the latest one).
 */
export const resumeLatest: AliasConversion = (raw, fail) =>
  asBoolean(
    raw,
    fail,
    'true or false (true continues from the latest checkpoint in output; a folder cannot be named)',
  );
