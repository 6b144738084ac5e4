// adapter_config.json as PEFT reads and writes it: PeftConfigMixin.save_pretrained writes
// json.dumps(to_dict(), indent=2, sort_keys=True) with sets turned into lists and no trailing newline;
// PeftModel.save_pretrained saves a copy with inference_mode=True.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@lora/files';
import { LORA_CONFIG_DEFAULTS, LORA_CONFIG_KEYS, type LoraConfig, validateLoraConfig } from './config.js';
import { AdapterFormatError, LoraConfigError } from './errors.js';
import { PyFloat, pythonJsonDumps } from '@lora/files';

/** The file name of an adapter's config (PEFT's `CONFIG_NAME`). */
export const ADAPTER_CONFIG_NAME = 'adapter_config.json';

/** The dict PEFT's LoraConfig.to_dict returns, with the values Python holds as floats marked. */
function toPeftDict(config: LoraConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of LORA_CONFIG_KEYS) out[key] = config[key];
  // target_modules / exclude_modules are sets in PEFT (written in set order); written here in the order given
  for (const key of ['target_modules', 'exclude_modules'] as const) {
    const value = config[key];
    if (Array.isArray(value)) out[key] = [...new Set(value)];
  }
  out.lora_dropout = new PyFloat(config.lora_dropout);
  return out;
}

/** The exact text PeftModel.save_pretrained writes to adapter_config.json for this config. */
export function adapterConfigJson(config: LoraConfig): string {
  return pythonJsonDumps(toPeftDict({ ...config, inference_mode: true }), { indent: 2, sortKeys: true });
}

/**
 * A LoraConfig from adapter_config.json text. Missing keys take PEFT's defaults (older PEFT wrote fewer);
 * runtime_config is dropped as PEFT drops it; unknown keys (a newer PEFT) are accepted only with inert values.
 */
export function parseAdapterConfig(text: string, source = ADAPTER_CONFIG_NAME): LoraConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new AdapterFormatError(`${source}: expected JSON, got a parse error: ${(cause as Error).message}`, {
      cause,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AdapterFormatError(
      `${source}: expected a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`,
    );
  }
  const raw = json as Record<string, unknown>;
  if (raw.peft_type !== 'LORA') {
    throw new AdapterFormatError(
      `${source}: peft_type expected "LORA", got ${JSON.stringify(raw.peft_type)}`,
    );
  }
  const config: Record<string, unknown> = structuredClone(LORA_CONFIG_DEFAULTS) as unknown as Record<
    string,
    unknown
  >;
  const known = new Set<string>(LORA_CONFIG_KEYS);
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'runtime_config') continue;
    if (known.has(key)) {
      config[key] = value;
      continue;
    }
    const inert =
      value === null || value === false || (typeof value === 'object' && Object.keys(value).length === 0);
    if (!inert) {
      throw new LoraConfigError(
        `${source}: ${key} expected a field PEFT ${LORA_CONFIG_DEFAULTS.peft_version} knows (or an inert null/false/{}), ` +
          `got ${JSON.stringify(value)} — written by a newer PEFT with a feature this package does not implement`,
      );
    }
  }
  const typed = config as unknown as LoraConfig;
  validateLoraConfig(typed, source, 'load');
  return typed;
}

/** Read and check an `adapter_config.json`; throws AdapterFormatError naming the file. */
export async function readAdapterConfig(path: string): Promise<LoraConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new AdapterFormatError(`${path}: cannot read the adapter config: ${(cause as Error).message}`, {
      cause,
    });
  }
  return parseAdapterConfig(text, path);
}

/** Writes adapter_config.json atomically, byte for byte as PEFT does. */
export async function writeAdapterConfig(path: string, config: LoraConfig): Promise<void> {
  await writeFileAtomic(path, adapterConfigJson(config));
}
