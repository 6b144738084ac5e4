// What eval / generate / chat / merge run on: the given --model (and --adapter), or --adapter RUN_DIR alone with
// the run's base and settings, or with neither the embedded default's trained adapter; loaded with the
// quantization the adapter was trained on.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ChatFormat } from '@lora/chatml';
import type { CausalLM } from '@lora/models';
import type { LoraModel } from '@lora/peft';
import type { Tokenizer } from '@lora/tokenize';
import { loadMemory, moveToBackend, selectBackend } from './backend.js';
import { defaultRunPaths } from './default-setup.js';
import { CliError } from './errors.js';
import { createGenerator, type Generator } from './generation.js';
import type { Options } from './options.js';
import type { EvalOptions } from './verb-options.js';

/** What eval, generate and chat (and merge, without the chat settings) read to pick and load a model. */
export type TargetOptions = Pick<EvalOptions, 'model' | 'adapter'>;
export type SessionOptions = TargetOptions &
  Pick<EvalOptions, 'backend' | 'chat_template' | 'quant' | 'double_quant'>;

import { applyRunSettings, describeInherited, readRunSettings } from './run-settings.js';
import {
  attachAdapter,
  inferenceQuant,
  loadModel,
  loadTokenizer,
  type QuantChoice,
  requireModelDir,
  resolveChatFormat,
} from './session.js';

export interface InferenceTarget {
  modelDir: string;
  adapterDir: string | undefined;
  /** true when the embedded default's files were picked because no --model or --adapter was given */
  embedded: boolean;
  /** what the verb took from the run folder: the settings line and the overrides (empty for a bare --model) */
  notes: string[];
}

/**
 * --model (with or without --adapter), or --adapter RUN_DIR alone (its base and settings from the run), or with
 * neither the embedded default's trained adapter. Gives `options` the run's settings the user left unset.
 */
export function inferenceTarget(options: Options<TargetOptions>, cwd: string, verb: string): InferenceTarget {
  const embedded = !options.given('model') && !options.given('adapter');
  const adapterDir = embedded ? embeddedAdapter(cwd, verb) : options.values.adapter;
  const run = adapterDir === undefined ? undefined : readRunSettings(adapterDir);
  const notes = run === undefined ? [] : applyRunSettings(options, run);
  if (options.given('model')) {
    const modelDir = options.require('model');
    requireModelDir(modelDir, options.label('model'));
    if (run?.modelDir !== undefined && resolve(modelDir) !== resolve(run.modelDir))
      notes.push(`${options.label('model')} ${modelDir} overrides the run's base ${run.modelDir}`);
    return { modelDir, adapterDir, embedded, notes: withInherited(options, notes) };
  }
  if (run?.baseProblem !== undefined) throw new CliError(run.baseProblem);
  if (run?.modelDir === undefined) {
    throw new CliError(
      `lora ${verb}: expected --model DIR, or an --adapter folder that names its base (run_config.json from lora train, or a local base_model_name_or_path in adapter_config.json), got --adapter ${adapterDir} with neither`,
    );
  }
  return { modelDir: run.modelDir, adapterDir, embedded, notes: withInherited(options, notes) };
}

function embeddedAdapter(cwd: string, verb: string): string {
  const paths = defaultRunPaths(cwd);
  if (existsSync(join(paths.outputDir, 'adapter_config.json'))) return paths.outputDir;
  throw new CliError(
    `lora ${verb}: expected --model or --adapter, or a trained embedded default in ${paths.outputDir}, got none of them: run \`lora train\` first`,
  );
}

function withInherited(options: Options<Record<string, unknown>>, overrides: string[]): string[] {
  const inherited = describeInherited(options);
  return inherited === undefined ? overrides : [inherited, ...overrides];
}

export interface InferenceSession extends Generator {
  target: InferenceTarget;
  lora: LoraModel | undefined;
  quant: QuantChoice;
  notes: string[];
  backendLine: string;
}

export async function openSession(
  options: Options<SessionOptions>,
  cwd: string,
  verb: string,
): Promise<InferenceSession> {
  const target = inferenceTarget(options, cwd, verb);
  const opts = options.values;
  const backendLine = await selectBackend(opts.backend);
  const notes: string[] = [...target.notes];
  const tokenizer: Tokenizer = await loadTokenizer(target.modelDir, notes);
  const format: ChatFormat = resolveChatFormat(opts.chat_template, tokenizer, notes);
  const q = inferenceQuant(opts.quant, target.adapterDir);
  const doubleQuant = options.given('double_quant')
    ? opts.double_quant
    : (q.doubleQuant ?? opts.double_quant);
  const model: CausalLM = await loadModel(target.modelDir, q.quant, doubleQuant, loadMemory());
  const lora = target.adapterDir === undefined ? undefined : await attachAdapter(model, target.adapterDir);
  await moveToBackend(model);
  const generator = await createGenerator(model, tokenizer, format, target.modelDir);
  return { ...generator, target, lora, quant: q.quant, notes, backendLine };
}

/** `model dir (+ adapter dir) [NF4]` for messages. */
export function describeTarget(s: InferenceSession): string {
  const quant = s.quant === 'none' ? '' : ` [${s.quant.toUpperCase()} base]`;
  return `${s.target.modelDir}${s.target.adapterDir ? ` + adapter ${s.target.adapterDir}` : ''}${quant}`;
}

/** The lines a verb prints first: the backend, the model, then what was taken from the run and any notes. */
export function sessionLines(s: InferenceSession): string[] {
  return [s.backendLine, `model: ${describeTarget(s)}`, ...s.notes];
}
