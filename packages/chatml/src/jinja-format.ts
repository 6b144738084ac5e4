// ChatFormat over a model's own jinja chat_template: exact text, and trained segments from {% generation %} blocks
// when the template has them, otherwise from incremental rendering (see prefix-segments.ts).
import { CompiledTemplate, type TemplateContext } from './jinja-template.js';
import { segmentsByPrefix } from './prefix-segments.js';
import type { TemplateBudget } from './template-budget.js';
import type { ChatFormat, ChatMessage, RenderedChat, RenderOptions } from './types.js';
import { validateMessages } from './validate.js';

/** Options of `jinjaChatFormat`. */
export interface JinjaChatFormatOptions {
  /** Names the format in errors. Default 'jinja'. */
  name?: string;
  /** The clock behind `strftime_now` (templates that print today's date). Default: the current time. */
  now?: () => Date;
  /** Limits on each render, over DEFAULT_TEMPLATE_BUDGET: raise one for a template that needs more. */
  budget?: Partial<TemplateBudget>;
}

/** Render options of a Jinja chat format: transformers' `tools=`, `documents=` and extra template variables. */
export interface JinjaRenderOptions extends RenderOptions {
  /** JSON-schema tool definitions, as transformers' `tools=` argument. */
  tools?: readonly unknown[];
  /** RAG documents, as transformers' `documents=` argument. */
  documents?: readonly unknown[];
  /** Extra template variables (e.g. `{ enable_thinking: false }`), as transformers' `**kwargs`. */
  variables?: Readonly<Record<string, unknown>>;
}

/** A chat format that renders a model's own Jinja `chat_template`, as transformers' `apply_chat_template` does. */
export interface JinjaChatFormat extends ChatFormat {
  /** The template source as given. */
  readonly template: string;
  /** True when the template marks assistant output with {% generation %} blocks (then those spans train). */
  readonly hasGenerationTags: boolean;
  render(messages: readonly ChatMessage[], options?: JinjaRenderOptions): RenderedChat;
  /** Render any context (messages with tool_calls or content parts, extra variables) to text, as transformers does. */
  renderText(context: TemplateContext): string;
}

/**
 * A chat format that renders `template` (a tokenizer_config.json `chat_template`) like transformers'
 * `apply_chat_template(tokenize=False)`. `specialTokens` become template variables (`bos_token`, `eos_token`, ...);
 * `options.bosToken` / `options.eosToken` of a render override them.
 * The template is untrusted input: each render runs under `options.budget` and reaches no host object.
 * @throws ChatTemplateError when the template does not parse (naming the line); render throws it when the template
 * raises, fails, runs past its budget (`error.limit` names the limit), or is not prefix-stable (the message names
 * the assistant message where it broke).
 * @throws ChatFormatError for a budget with an unknown key or a value that is not a positive integer.
 */
export function jinjaChatFormat(
  template: string,
  specialTokens: Readonly<Record<string, string>> = {},
  options: JinjaChatFormatOptions = {},
): JinjaChatFormat {
  const name = options.name ?? 'jinja';
  const compiled = new CompiledTemplate(name, template, options.now ?? (() => new Date()), options.budget);
  // transformers always passes tools and documents (None when absent), then the special tokens map and kwargs.
  const base = { tools: null, documents: null, ...specialTokens };

  const contextFor = (
    messages: readonly ChatMessage[],
    addGenerationPrompt: boolean,
    o: JinjaRenderOptions,
  ): TemplateContext => ({
    ...base,
    ...(o.tools !== undefined && { tools: o.tools }),
    ...(o.documents !== undefined && { documents: o.documents }),
    ...o.variables,
    ...(o.bosToken !== undefined && { bos_token: o.bosToken }),
    ...(o.eosToken !== undefined && { eos_token: o.eosToken }),
    messages,
    add_generation_prompt: addGenerationPrompt,
  });

  return {
    name,
    template,
    hasGenerationTags: compiled.hasGenerationTags,
    render(messages, o = {}) {
      validateMessages(messages, { source: name, requireAssistant: false });
      const addGenerationPrompt = o.addGenerationPrompt ?? false;
      if (compiled.hasGenerationTags)
        return compiled.renderMarked(contextFor(messages, addGenerationPrompt, o));
      const render = (count: number, agp: boolean) =>
        compiled.render(contextFor(messages.slice(0, count), agp, o));
      const context = contextFor(messages, addGenerationPrompt, o);
      const tokens = Object.entries(context).flatMap(([key, value]) =>
        key.endsWith('_token') && typeof value === 'string' ? [value] : [],
      );
      return segmentsByPrefix(name, messages, render, addGenerationPrompt, tokens);
    },
    renderText(context) {
      return compiled.render({ ...base, ...context });
    },
  };
}
