// Exact resume: `--resume` continues the same run, so the settings that define a run are compared with the
// run_config.json saved in the checkpoint, and each change is refused by name — or, with --allow-changes,
// listed on stdout and in training.log. Settings the checkpoint itself depends on (its tensors' shapes, its data
// order and position) cannot change even then.
import { appendFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { LOG_FILE, latestCheckpoint, nodeStorage } from '@lora/sft';
import { CliError, UsageError } from './errors.js';
import { describeIdentity, type FileIdentity, fileIdentity } from './file-identity.js';
import { flagOf } from './option-spec.js';
import type { Options } from './options.js';
import { RUN_CONFIG_FILE, type RunConfig, RunConfigError, readRunConfigFile } from './run-config.js';
import type { TrainOptions } from './verb-options.js';

/** A resume whose settings differ from its checkpoint's. */
export class ResumeSettingsError extends CliError {
  override name = 'ResumeSettingsError';
}

interface RunSetting {
  /** the run_config.json key */
  key: string;
  /** how a message names it (default: the key's flag) */
  flag?: string;
  /** present in every run_config.json `lora train` writes, default or not */
  always?: boolean;
  /** why not even --allow-changes can change it */
  fixed?: string;
  /** what a run_config.json written before the setting was recorded meant by leaving it out */
  absent?: unknown;
}

const BROKEN_HINT = 'restore it, or delete it and resume with --allow-changes (the settings go unchecked)';
const TENSORS = "the checkpoint's adapter tensors have the old shapes";
const DATA_POSITION = 'the data order and position saved in the checkpoint depend on it';

/**
 * The settings that define "the same run": what is trained (base, quantization, LoRA), on what (the data files'
 * contents, how records become examples, chat format, length, packing) and how (learning rate and its schedule,
 * optimizer by name, batch, seed). Not compared: where the files go, how often to log, evaluate or save, the
 * backend, gradient checkpointing (the same numbers, recomputed) and the report's prompts.
 */
export const SAME_RUN: readonly RunSetting[] = [
  { key: 'model', always: true },
  { key: 'quant' },
  { key: 'double_quant' },
  { key: 'init_adapter' },
  { key: 'lora_r', fixed: TENSORS },
  { key: 'lora_alpha' },
  { key: 'lora_dropout' },
  { key: 'target_modules', fixed: TENSORS },
  { key: 'use_rslora' },
  { key: 'use_dora', fixed: TENSORS },
  { key: 'init_lora_weights', absent: 'true', fixed: TENSORS },
  { key: 'data_file', flag: '--data (its contents)', always: true },
  { key: 'eval_data_file', flag: '--eval-data (its contents)' },
  { key: 'format' },
  { key: 'unnest' },
  { key: 'on_empty' },
  { key: 'field_map' },
  { key: 'message_template' },
  { key: 'max_samples' },
  { key: 'eval_split' },
  { key: 'chat_format', flag: '--chat-template (the format used)', always: true },
  { key: 'max_length' },
  { key: 'completion_only' },
  { key: 'packing' },
  { key: 'lr' },
  { key: 'lr_scheduler' },
  { key: 'warmup_steps' },
  { key: 'warmup_ratio' },
  { key: 'epochs' },
  { key: 'max_steps' },
  { key: 'weight_decay' },
  {
    key: 'loraplus_lr_ratio',
    fixed: "the optimizer state saved in the checkpoint is grouped by LoRA+'s ratio",
  },
  { key: 'max_grad_norm' },
  // lora recorded no optimizer before --optim: every run was AdamW, adamw_torch
  { key: 'optim', absent: 'adamw_torch' },
  { key: 'batch_size', fixed: DATA_POSITION },
  { key: 'grad_accum', fixed: DATA_POSITION },
  { key: 'seed', fixed: DATA_POSITION },
  { key: 'shuffle', fixed: DATA_POSITION },
];

/**
 * What run_config.json records beyond the options: the chat format actually used (`--chat-template` unset means
 * the model's own) and the identity of the data files (see file-identity.ts for why size and SHA-256).
 */
export async function derivedRunConfig(
  options: Options<Pick<TrainOptions, 'data' | 'eval_data'>>,
  chatFormat: string,
): Promise<RunConfig> {
  const evalData = options.values.eval_data;
  return {
    chat_format: chatFormat,
    data_file: await fileIdentity(options.require('data')),
    ...(evalData !== undefined && { eval_data_file: await fileIdentity(evalData) }),
  };
}

export interface SettingChange {
  key: string;
  flag: string;
  before: unknown;
  after: unknown;
  fixed: string | undefined;
}

/** JSON with sorted keys, so two equal mappings compare equal whatever order YAML gave their keys. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const isIdentity = (v: unknown): v is FileIdentity =>
  typeof v === 'object' && v !== null && 'bytes' in v && 'sha256' in v;

function describe(value: unknown): string {
  if (value === undefined) return 'unset';
  if (isIdentity(value)) return describeIdentity(value);
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'string') return value;
  return typeof value === 'object' ? canonical(value) : String(value);
}

/** `--lr 0.005 → 0.001` */
export function describeChange(c: SettingChange): string {
  return `${c.flag} ${describe(c.before)} → ${describe(c.after)}`;
}

/**
 * The settings of SAME_RUN that differ between a checkpoint's run_config (`saved`) and now. Throws
 * RunConfigError naming the file and key when `saved` lacks a key every run_config holds.
 */
export function changedSettings(
  saved: { path: string; config: RunConfig },
  now: RunConfig,
  specs: Options['specs'],
): SettingChange[] {
  const changes: SettingChange[] = [];
  for (const s of SAME_RUN) {
    const required = s.always === true || specs.get(s.key)?.default !== undefined;
    if (required && !(s.key in saved.config) && s.absent === undefined) {
      throw new RunConfigError(
        saved.path,
        s.key,
        `${saved.path}: "${s.key}" expected in every run_config.json \`lora train\` writes, got nothing; ${BROKEN_HINT}`,
      );
    }
    // a boolean flag left out is false, whether the record holds false or nothing
    const norm = (v: unknown) => (specs.get(s.key)?.type === 'boolean' ? v === true : v);
    const before = norm(s.key in saved.config ? saved.config[s.key] : s.absent);
    const after = norm(now[s.key]);
    if (canonical(before) === canonical(after)) continue;
    changes.push({ key: s.key, flag: s.flag ?? flagOf(s.key), before, after, fixed: s.fixed });
  }
  return changes;
}

/**
 * Before training: `--allow-changes` needs `--resume`; with `--resume`, compare `now` with the latest
 * checkpoint's run_config.json. Refuses every change by name unless --allow-changes; then lists them (`out` and
 * training.log). Without a checkpoint it says nothing (the trainer refuses that resume itself).
 */
export async function checkResumeSettings(
  options: Options<Pick<TrainOptions, 'allow_changes' | 'resume'>>,
  outputDir: string,
  now: RunConfig,
  out: (line: string) => void,
): Promise<SettingChange[]> {
  const allow = options.values.allow_changes;
  if (!options.values.resume) {
    if (allow)
      throw new UsageError(`${options.label('allow_changes')}: expected --resume with it, got no --resume`);
    return [];
  }
  const checkpoint = await latestCheckpoint(await nodeStorage(outputDir));
  if (checkpoint === undefined) return [];
  const name = basename(checkpoint);
  const saved = readRunConfigFile(checkpoint, BROKEN_HINT);
  if (saved === undefined) {
    if (!allow) {
      throw new ResumeSettingsError(
        `--resume: expected ${join(checkpoint, RUN_CONFIG_FILE)} to check the settings are the run's, got no such file (a checkpoint of an older lora); add --allow-changes to resume without the check`,
      );
    }
    await note(
      outputDir,
      out,
      `resume --allow-changes: ${name} has no ${RUN_CONFIG_FILE}: settings not checked`,
    );
    return [];
  }
  const changes = changedSettings(saved, now, options.specs);
  const fixed = changes.filter((c) => c.fixed !== undefined);
  const list = (cs: SettingChange[]) => cs.map(describeChange).join(', ');
  if (fixed.length > 0 && (allow || fixed.length === changes.length)) {
    throw new ResumeSettingsError(
      `--resume: expected the settings ${name} was trained with, got ${list(fixed)}, which not even --allow-changes can resume (${[...new Set(fixed.map((c) => c.fixed))].join('; ')}); resume with the old values or start a new run`,
    );
  }
  if (changes.length === 0) return [];
  if (!allow) {
    const locked =
      fixed.length > 0 ? ` (except ${fixed.map((c) => c.flag).join(', ')}: ${fixed[0]!.fixed})` : '';
    throw new ResumeSettingsError(
      `--resume: expected the settings ${name} was trained with, got ${changes.length} changed: ${list(changes)}; resume with the old values, or add --allow-changes to continue with the new ones${locked}`,
    );
  }
  await note(
    outputDir,
    out,
    `resume --allow-changes: ${changes.length} setting(s) changed since ${name}: ${list(changes)}`,
  );
  return changes;
}

/** A line on stdout and in training.log (the trainer appends its own lines after it). */
async function note(outputDir: string, out: (line: string) => void, line: string): Promise<void> {
  out(line);
  await appendFile(join(outputDir, LOG_FILE), `${new Date().toISOString()} ${line}\n`);
}
