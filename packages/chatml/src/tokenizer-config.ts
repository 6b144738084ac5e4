// A jinja chat format straight from a parsed tokenizer_config.json (or chat_template.json): its chat_template and
// special tokens (plain strings or serialized AddedToken objects).
import { describeValue } from './describe.js';
import { ChatTemplateError } from './errors.js';
import { type JinjaChatFormat, type JinjaChatFormatOptions, jinjaChatFormat } from './jinja-format.js';

const SPECIAL_TOKEN_KEYS = [
  'bos_token',
  'eos_token',
  'unk_token',
  'pad_token',
  'sep_token',
  'cls_token',
  'mask_token',
];

/** Options of `chatFormatFromTokenizerConfig`. */
export interface TokenizerConfigFormatOptions extends JinjaChatFormatOptions {
  /** Names the config in errors (a file path). Default 'tokenizer_config.json'. */
  source?: string;
  /** Which named template to use when chat_template is a list of { name, template }. Default 'default'. */
  templateName?: string;
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { content?: unknown }).content === 'string'
  ) {
    return (value as { content: string }).content;
  }
  return undefined;
}

function pickTemplate(raw: unknown, source: string, templateName: string): string {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw)) {
    const names = raw.map((t: { name?: unknown }) => String(t?.name));
    const found = raw.find((t: { name?: unknown }) => t?.name === templateName) as
      | { template?: unknown }
      | undefined;
    if (typeof found?.template === 'string') return found.template;
    throw new ChatTemplateError(
      `${source}: chat_template: expected a template named ${JSON.stringify(templateName)}, got [${names.join(', ')}]`,
    );
  }
  throw new ChatTemplateError(
    `${source}: chat_template: expected a jinja template string, got ${describeValue(raw)} ` +
      '(this tokenizer has no chat template: pick a builtin format)',
  );
}

/**
 * The model's own chat format, from the parsed JSON of its tokenizer_config.json.
 * @throws ChatTemplateError when there is no usable chat_template or it does not parse.
 */
export function chatFormatFromTokenizerConfig(
  config: unknown,
  options: TokenizerConfigFormatOptions = {},
): JinjaChatFormat {
  const source = options.source ?? 'tokenizer_config.json';
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ChatTemplateError(`${source}: expected a JSON object, got ${describeValue(config)}`);
  }
  const record = config as Record<string, unknown>;
  const template = pickTemplate(record.chat_template, source, options.templateName ?? 'default');
  const specialTokens: Record<string, string> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const text = tokenText(record[key]);
    if (text !== undefined) specialTokens[key] = text;
  }
  return jinjaChatFormat(template, specialTokens, {
    name: options.name ?? source,
    now: options.now,
    budget: options.budget,
  });
}
