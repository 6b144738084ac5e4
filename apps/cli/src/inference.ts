// What eval / generate / chat / merge run on: the given --model (and --adapter), or with no --model the embedded
// default's base and its trained adapter; loaded with the quantization the adapter was trained on.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatFormat } from '@lora/chatml';
import type { CausalLM } from '@lora/models';
import type { LoraModel } from '@lora/peft';
import type { Tokenizer } from '@lora/tokenize';
import { moveToBackend, selectBackend } from './backend.js';
import { defaultRunPaths } from './default-setup.js';
import { CliError } from './errors.js';
import { createGenerator, type Generator } from './generation.js';
import type { Options } from './options.js';
import {
  attachAdapter,
  inferenceQuant,
  loadModel,
  loadTokenizer,
  type QuantChoice,
  resolveChatFormat,
} from './session.js';

export interface InferenceTarget {
  modelDir: string;
  adapterDir: string | undefined;
  /** true when the embedded default's files were picked because no --model was given */
  embedded: boolean;
}

/** --model/--adapter, or the embedded default's base and trained adapter. */
export function inferenceTarget(options: Options, cwd: string, verb: string): InferenceTarget {
  if (options.given('model'))
    return { modelDir: options.require('model'), adapterDir: options.string('adapter'), embedded: false };
  const paths = defaultRunPaths(cwd);
  if (!existsSync(join(paths.outputDir, 'adapter_config.json'))) {
    throw new CliError(
      `lora ${verb}: expected --model, or a trained embedded default in ${paths.outputDir}, got neither: run \`lora train\` first`,
    );
  }
  return {
    modelDir: paths.modelDir,
    adapterDir: options.string('adapter') ?? paths.outputDir,
    embedded: true,
  };
}

export interface InferenceSession extends Generator {
  target: InferenceTarget;
  lora: LoraModel | undefined;
  quant: QuantChoice;
  notes: string[];
  backendLine: string;
}

export async function openSession(options: Options, cwd: string, verb: string): Promise<InferenceSession> {
  const target = inferenceTarget(options, cwd, verb);
  const backendLine = await selectBackend(options.string('backend'));
  const notes: string[] = [];
  const tokenizer: Tokenizer = await loadTokenizer(target.modelDir, notes);
  const format: ChatFormat = resolveChatFormat(options.string('chat_template'), tokenizer, notes);
  const q = inferenceQuant(options.string('quant'), target.adapterDir);
  const doubleQuant = options.given('double_quant')
    ? options.bool('double_quant')
    : (q.doubleQuant ?? options.bool('double_quant'));
  const model: CausalLM = await loadModel(target.modelDir, q.quant, doubleQuant);
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
