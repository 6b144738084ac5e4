// The shapes every chat format speaks: messages in, training text and its trained/untrained segments out.

/** One chat message. `role` is usually 'system' | 'user' | 'assistant' | 'tool'. Extra fields on the object
 * (tool_calls, name, tool_call_id, ...) are passed through to jinja templates unchanged; builtin formats ignore them. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** A run of the rendered text; `train: true` where an assistant-only loss learns (assistant content + end of turn). */
export interface ChatSegment {
  text: string;
  train: boolean;
}

/** A rendered conversation. The segments' texts concatenate to `text` exactly; adjacent segments differ in `train`. */
export interface RenderedChat {
  text: string;
  segments: ChatSegment[];
}

/** Options of `renderChat` and a format's `render`: the generation prompt, and the model's BOS and EOS tokens. */
export interface RenderOptions {
  /** End with the assistant header so a model continues it (the generation prompt). Default false. */
  addGenerationPrompt?: boolean;
  /** The model's BOS token, where the format writes it (llama2, llama3, gemma; prepended untrained by alpaca/plain). */
  bosToken?: string;
  /** The model's EOS token, where the format uses it (zephyr, llama2; required by alpaca and plain). */
  eosToken?: string;
}

/** A chat format: renders messages into text and the segments of it that are trained or not. */
export interface ChatFormat {
  name: string;
  render(messages: readonly ChatMessage[], options?: RenderOptions): RenderedChat;
}

/** The names `getChatFormat` knows. */
export const BUILTIN_FORMAT_NAMES = [
  'chatml',
  'zephyr',
  'llama2',
  'llama3',
  'gemma',
  'alpaca',
  'plain',
] as const;

/** A builtin chat format name. */
export type BuiltinFormatName = (typeof BUILTIN_FORMAT_NAMES)[number];
