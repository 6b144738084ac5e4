export type { EndOfTurnCheck, EndOfTurnWarning, EndOfTurnWarningCode } from './eos-check.js';
export { checkEndOfTurnSupervision } from './eos-check.js';
export type { ChatTemplateErrorOptions, TemplateLimitName } from './errors.js';
export { ChatFormatError, ChatTemplateError } from './errors.js';
export type { AlpacaExample } from './formats/alpaca.js';
export { alpacaPrompt, renderAlpaca } from './formats/alpaca.js';
export { renderPlain } from './formats/plain.js';
export type { JinjaChatFormat, JinjaChatFormatOptions, JinjaRenderOptions } from './jinja-format.js';
export { jinjaChatFormat } from './jinja-format.js';
export type { TemplateContext } from './jinja-template.js';
export type { TemplateBudget } from './template-budget.js';
export { DEFAULT_TEMPLATE_BUDGET } from './template-budget.js';
export { getChatFormat, renderChat } from './registry.js';
export { trainedTexts } from './segments.js';
export type { FromShareGptOptions, ShareGptTurn } from './sharegpt.js';
export { fromShareGpt, SHAREGPT_ROLES } from './sharegpt.js';
export type { TokenizerConfigFormatOptions } from './tokenizer-config.js';
export { chatFormatFromTokenizerConfig } from './tokenizer-config.js';
export type {
  BuiltinFormatName,
  ChatFormat,
  ChatMessage,
  ChatSegment,
  RenderedChat,
  RenderOptions,
} from './types.js';
export { BUILTIN_FORMAT_NAMES } from './types.js';
export type { ValidateOptions } from './validate.js';
export { validateMessages } from './validate.js';
