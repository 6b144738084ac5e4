// Loading what a verb works on: the tokenizer (with a pad token), the chat format, the base model (dense or
// 4-bit), and a PEFT adapter; plus how a conversation becomes prompt token ids.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  BUILTIN_FORMAT_NAMES,
  type BuiltinFormatName,
  type ChatFormat,
  getChatFormat,
  jinjaChatFormat,
} from '@lora/chatml';
import type { DeviceMemory } from '@lora/core';
import { stopTokenIds } from '@lora/datasets';
import { CausalLM, type LoadOptions } from '@lora/models';
import { type LoraModel, loadAdapter } from '@lora/peft';
import { Tokenizer } from '@lora/tokenize';
import { suggestion } from './did-you-mean.js';
import { UsageError } from './errors.js';
import { readRunConfigFile, trainedQuant } from './run-config.js';

export type QuantChoice = 'nf4' | 'fp4' | 'none';

/** The file the train verb writes next to the adapter: how it was trained (eval/chat read the quantization). */
export { RUN_CONFIG_FILE } from './run-config.js';

/** The path's stats, or undefined when there is nothing there (or a file where a folder should be). */
function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

export function requireModelDir(dir: string, flag = '--model'): void {
  if (statOf(join(dir, 'config.json'))?.isFile()) return;
  const st = statOf(dir);
  // a file given for the folder: say so, and name the folder when it is one of the folder's own files
  const what =
    st === undefined
      ? 'no such folder'
      : st.isDirectory()
        ? 'a folder without config.json'
        : st.isFile()
          ? `a file${/(^|[\\/])(config\.json|.*\.safetensors|tokenizer\.json)$/.test(dir) ? ` (pass the folder that holds it, ${dirname(dir)})` : ''}`
          : 'something that is neither a file nor a folder';
  throw new UsageError(
    `${flag} ${dir}: expected a Hugging Face model folder (config.json, *.safetensors, tokenizer.json), got ${what}`,
  );
}

/** The model's tokenizer; without a pad token it pads with EOS (said once in `notes`). */
export async function loadTokenizer(modelDir: string, notes: string[]): Promise<Tokenizer> {
  let tokenizer = await Tokenizer.fromDir(modelDir);
  if (tokenizer.padTokenId === undefined && tokenizer.eosToken !== undefined) {
    tokenizer = tokenizer.withPadToken(tokenizer.eosToken);
    notes.push(
      `the tokenizer has no pad token: padding with its EOS "${tokenizer.eosToken}" (padded positions are masked)`,
    );
  }
  return tokenizer;
}

/**
 * `--chat-template`: a builtin name, or 'model' for the tokenizer's own jinja template. Unset: the model's
 * template when it has one, else ChatML.
 */
export function resolveChatFormat(
  name: string | undefined,
  tokenizer: Tokenizer,
  notes: string[],
): ChatFormat {
  const own = tokenizer.chatTemplate;
  const template = typeof own === 'string' ? own : own?.default;
  if (name === undefined || name === 'model') {
    if (template !== undefined) {
      const specials: Record<string, string> = {};
      if (tokenizer.bosToken) specials.bos_token = tokenizer.bosToken;
      if (tokenizer.eosToken) specials.eos_token = tokenizer.eosToken;
      if (tokenizer.padToken) specials.pad_token = tokenizer.padToken;
      return jinjaChatFormat(template, specials, { name: 'chat_template' });
    }
    if (name === 'model') {
      throw new UsageError(
        `--chat-template model: expected the tokenizer to have a chat_template, got none: pick one of ${BUILTIN_FORMAT_NAMES.join(', ')}`,
      );
    }
    notes.push('the tokenizer has no chat template: using ChatML (--chat-template picks another)');
    return getChatFormat('chatml');
  }
  if (!(BUILTIN_FORMAT_NAMES as readonly string[]).includes(name)) {
    throw new UsageError(
      `--chat-template: expected model or one of ${BUILTIN_FORMAT_NAMES.join(', ')}, got "${name}"${suggestion(name, BUILTIN_FORMAT_NAMES)}`,
    );
  }
  return getChatFormat(name as BuiltinFormatName);
}

/** The tokens that end an answer for `model`: its EOS ids, the tokenizer's EOS and the format's end-of-turn token. */
export function modelStopTokenIds(model: CausalLM, tokenizer: Tokenizer): number[] {
  return stopTokenIds(model.config.eosTokenIds, tokenizer);
}

export function loadOptionsFor(quant: QuantChoice, doubleQuant: boolean): LoadOptions {
  return quant === 'none' ? {} : { quantize: { quantType: quant, doubleQuant } };
}

/** The model in `dir`, its dense weights read into `memory` when given (see backend.ts loadMemory). */
export async function loadModel(
  dir: string,
  quant: QuantChoice,
  doubleQuant: boolean,
  memory?: DeviceMemory,
): Promise<CausalLM> {
  requireModelDir(dir);
  return CausalLM.load(dir, { ...loadOptionsFor(quant, doubleQuant), ...(memory && { memory }) });
}

/** What `lora train` recorded about an adapter (undefined for adapters from elsewhere; RunConfigError if broken). */
export function readRunConfig(adapterDir: string): Record<string, unknown> | undefined {
  return readRunConfigFile(adapterDir)?.config;
}

/** --quant auto: the quantization the adapter was trained on, else none. */
export function inferenceQuant(
  requested: QuantChoice | 'auto',
  adapterDir: string | undefined,
): { quant: QuantChoice; doubleQuant?: boolean } {
  if (requested !== 'auto') return { quant: requested };
  const trained = adapterDir === undefined ? undefined : trainedQuant(adapterDir);
  if (trained !== undefined && trained.quant !== 'none') return trained;
  return { quant: 'none' };
}

export async function attachAdapter(model: CausalLM, adapterDir: string): Promise<LoraModel> {
  if (!existsSync(join(adapterDir, 'adapter_config.json'))) {
    const hint = existsSync(adapterDir) ? 'a folder without adapter_config.json' : 'no such folder';
    throw new UsageError(
      `--adapter ${adapterDir}: expected a PEFT adapter folder (adapter_config.json + adapter_model.safetensors), got ${hint}`,
    );
  }
  return loadAdapter(adapterDir, model);
}
