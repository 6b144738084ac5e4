// A chat_template compiled with @huggingface/jinja and rendered the way transformers' apply_chat_template renders:
// trim_blocks + lstrip_blocks, tojson without ASCII escaping, raise_exception, strftime_now, and {% generation %}
// blocks tracked as trained spans (transformers' AssistantTracker, used by return_assistant_tokens_mask).
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { ChatTemplateError } from './errors.js';
import { SegmentBuilder } from './segments.js';
import { strftime } from './strftime.js';
import type { RenderedChat } from './types.js';

/** Noncharacters (reserved for internal use by Unicode) that mark where a generation block opens and closes. */
const OPEN = '\uFDD0';
const CLOSE = '\uFDD1';

const GENERATION_TAG = /\{%(-?)\s*(end)?generation\s*(-?)%\}/g;

/** The variables a template sees: messages, add_generation_prompt, tools, bos_token, ... */
export interface TemplateContext {
  messages: readonly unknown[];
  add_generation_prompt?: boolean;
  [variable: string]: unknown;
}

class TemplateRaised extends Error {}

function pythonRange(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error('range() arg 3 must not be zero');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

export class CompiledTemplate {
  readonly hasGenerationTags: boolean;
  readonly #program: Template['parsed'];

  constructor(
    readonly name: string,
    readonly source: string,
    readonly now: () => Date,
  ) {
    if (typeof source !== 'string') {
      throw new ChatTemplateError(
        `${name}: chat_template: expected a jinja template string, got ${typeof source}`,
      );
    }
    // {% generation %} becomes a block-tag pair that prints a marker, so lstrip/trim_blocks and the `-` flags
    // still apply exactly as they do to the original block tag.
    let tags = 0;
    const rewritten = source.replace(
      GENERATION_TAG,
      (_, left: string, end: string | undefined, right: string) => {
        tags++;
        return `{%${left} if true %}{{ '${end ? CLOSE : OPEN}' }}{% endif ${right}%}`;
      },
    );
    this.hasGenerationTags = tags > 0;
    try {
      this.#program = new Template(rewritten).parsed;
    } catch (cause) {
      throw new ChatTemplateError(`${name}: chat_template does not parse: ${(cause as Error).message}`, {
        cause,
      });
    }
  }

  /** Render to text and segments (segments follow the generation blocks; without them everything is untrained). */
  renderMarked(context: TemplateContext): RenderedChat {
    if (this.hasGenerationTags && /[\uFDD0\uFDD1]/.test(JSON.stringify(context) ?? '')) {
      throw new ChatTemplateError(
        `${this.name}: messages: expected no U+FDD0/U+FDD1 characters (they mark generation blocks), got some`,
      );
    }
    const out = new SegmentBuilder();
    let depth = 0;
    for (const part of this.#run(context).split(/([\uFDD0\uFDD1])/)) {
      if (part !== OPEN && part !== CLOSE) {
        out.push(part, depth > 0);
        continue;
      }
      depth += part === OPEN ? 1 : -1;
      if (depth < 0)
        throw new ChatTemplateError(`${this.name}: {% endgeneration %} without {% generation %}`);
    }
    if (depth !== 0) throw new ChatTemplateError(`${this.name}: {% generation %} block never closed`);
    return out.build();
  }

  /** Render to text only. */
  render(context: TemplateContext): string {
    return this.renderMarked(context).text;
  }

  #run(context: TemplateContext): string {
    const env = new Environment();
    const globals: Record<string, unknown> = {
      false: false,
      true: true,
      none: null,
      False: false,
      True: true,
      None: null,
      range: pythonRange,
      raise_exception: (message: unknown) => {
        throw new TemplateRaised(String(message));
      },
      strftime_now: (format: unknown) => strftime(this.now(), String(format)),
    };
    for (const [key, value] of Object.entries({ ...globals, ...context })) env.set(key, value);
    try {
      const result = new Interpreter(env).run(this.#program);
      return String(result.value);
    } catch (cause) {
      const message = (cause as Error).message;
      if (cause instanceof TemplateRaised) {
        throw new ChatTemplateError(`${this.name}: chat template raised: ${message}`, { cause });
      }
      throw new ChatTemplateError(`${this.name}: chat template failed: ${message}`, { cause });
    }
  }
}
