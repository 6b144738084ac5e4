// The one temp-name pattern: `.<name>.<pid>-<hex>.tmp` beside the target (`.old` for a folder being replaced), and
// the recognizer of every temp name the project has ever written, so a cleanup finds leftovers of older versions too.

/** `.<name>.<pid>-<12 hex>.<suffix>`: hidden, names its target and its writer, unique per call. */
export function tempName(name: string, pid: number, hex: string, suffix: 'tmp' | 'old' = 'tmp'): string {
  return `.${name}.${pid}-${hex}.${suffix}`;
}

/**
 * Temp names written by this project, current and earlier:
 * `.name.<pid>-<hex>.tmp` / `.old` (now everywhere; before, @lora/safetensors, @lora/peft and @lora/tokenize),
 * `.name.tmp-<pid>[-<hex>][-old]` (@lora/sft's checkpoint folders, trainer_state.json, metrics.jsonl),
 * `name.tmp-<pid>-<hex or time>` (@lora/datasets, @lora/models), `name.<pid>.<base36>.tmp` (the CLI).
 */
export const TEMP_PATTERNS: readonly RegExp[] = [
  /^\..+\.\d+-[0-9a-z]+\.(tmp|old)$/,
  /^\..+\.tmp-\d+(-[0-9a-z]+)*$/,
  /^.+\.tmp-\d+-[0-9a-z]+$/,
  /^.+\.\d+\.[0-9a-z]+\.tmp$/,
];

/** Whether a file or folder name (no directory part) is one of the project's temp names. */
export function isTempName(name: string): boolean {
  return TEMP_PATTERNS.some((p) => p.test(name));
}
