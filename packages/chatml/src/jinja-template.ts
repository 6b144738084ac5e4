// A chat_template compiled with @huggingface/jinja and rendered the way transformers' apply_chat_template renders:
// trim_blocks + lstrip_blocks, tojson without ASCII escaping, raise_exception, strftime_now, and {% generation %}
// blocks tracked as trained spans (transformers' AssistantTracker, used by return_assistant_tokens_mask).
// The template is untrusted input: it renders under a budget (template-budget.ts) by an interpreter metered from
// the inside (guarded-interpreter.ts), reaches no host object, and every failure is one ChatTemplateError line.
import { Environment, parse, tokenize } from '@huggingface/jinja';
import { quote } from './describe.js';
import { ChatTemplateError, type ChatTemplateErrorOptions } from './errors.js';
import {
  type ErrorLines,
  GuardedInterpreter,
  type JinjaScope,
  type MeteredProgram,
  meterProgram,
} from './guarded-interpreter.js';
import { SegmentBuilder } from './segments.js';
import {
  RenderMeter,
  resolveTemplateBudget,
  type TemplateBudget,
  TemplateLimitError,
} from './template-budget.js';
import { TemplateRaised, templateGlobals } from './template-globals.js';
import { type JinjaNode, type JinjaToken, lineOfToken, statementLines } from './template-source-map.js';
import { scanTags, type TemplateTag, unbalancedBlock } from './template-tags.js';
import { HostValueError, typeWords } from './template-values.js';
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

/** One line: messages from templates and the library may hold newlines. */
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');

function failure(message: string, options: ChatTemplateErrorOptions): ChatTemplateError {
  return new ChatTemplateError(oneLine(message), options);
}

const at = (name: string, line: number | undefined) =>
  `${name}: chat_template${line === undefined ? '' : ` line ${line}`}`;

/** The library's parser message in words: `Parser Error: Expected x. A !== B.` → `expected x`. */
function parserWords(message: string): string {
  const text = message.replace(/^Parser Error: /, '').replace(/\.\s*\w+ !== \w+\.$/, '');
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Tokenize and parse `source`; a failure becomes a ChatTemplateError with the line of the tag it happened in. */
function compile(name: string, source: string): MeteredProgram {
  const scanned = scanTags(source);
  let tokens: JinjaToken[];
  try {
    tokens = tokenize(source, { lstrip_blocks: true, trim_blocks: true }) as JinjaToken[];
  } catch (cause) {
    const line = scanned.unterminated?.line;
    const what = scanned.unterminated
      ? `a tag opened here is never closed (${(cause as Error).message})`
      : (cause as Error).message;
    throw failure(`${at(name, line)}: syntax error: ${parserWords(what)}`, { cause, line });
  }
  let furthest = -1; // the furthest token the parser looked at: where it gave up
  const watched = new Proxy(tokens, {
    get(target, key, receiver) {
      if (typeof key === 'string') {
        const index = Number(key);
        if (Number.isInteger(index) && index > furthest) furthest = index;
      }
      return Reflect.get(target, key, receiver);
    },
  });
  let program: JinjaNode;
  try {
    program = parse(watched) as JinjaNode;
  } catch (cause) {
    throw syntaxFailure(name, cause, tokens, scanned.tags, furthest);
  }
  return meterProgram(program, statementLines(program, tokens, scanned.tags));
}

function syntaxFailure(
  name: string,
  cause: unknown,
  tokens: readonly JinjaToken[],
  tags: readonly TemplateTag[],
  furthest: number,
): ChatTemplateError {
  if (cause instanceof RangeError) {
    return failure(`${at(name, undefined)}: syntax error: the template nests too deeply to parse`, { cause });
  }
  const atEnd = cause instanceof TypeError || furthest >= tokens.length;
  const line = atEnd ? undefined : lineOfToken(tokens, tags, furthest);
  const blocks = unbalancedBlock(tags);
  if (blocks !== undefined && (line === undefined || blocks.line <= line)) {
    return failure(`${at(name, blocks.line)}: syntax error: ${blocks.message}`, { cause, line: blocks.line });
  }
  if (atEnd) return failure(`${at(name, undefined)}: syntax error: unexpected end of template`, { cause });
  const token = tokens[furthest];
  const near = token === undefined ? '' : ` near ${quote(token.value, 30)}`;
  return failure(`${at(name, line)}: syntax error${near}: ${parserWords((cause as Error).message)}`, {
    cause,
    line,
  });
}

/** A render's failure as one ChatTemplateError line: what went wrong, and where when the interpreter saw it. */
function renderFailure(name: string, cause: unknown, lines: ErrorLines): ChatTemplateError {
  const line = typeof cause === 'object' && cause !== null ? lines.get(cause) : undefined;
  const where = at(name, line);
  const message = cause instanceof Error ? cause.message : String(cause);
  if (cause instanceof TemplateRaised)
    return failure(`${name}: chat template raised: ${message}`, { cause, line });
  if (cause instanceof TemplateLimitError)
    return failure(`${where}: ${message}`, { cause, line, limit: cause.limit });
  if (cause instanceof HostValueError) return failure(`${where}: ${message}`, { cause, line });
  if (cause instanceof RangeError && /call stack/i.test(message)) {
    return failure(
      `${where}: recursion too deep: the template nests deeper than the JavaScript stack allows`,
      {
        cause,
        line,
      },
    );
  }
  if (cause instanceof RangeError && /Invalid (string|array) length/.test(message)) {
    return failure(
      `${where}: output too large: a value grew past what JavaScript can hold (budget.maxOutputChars)`,
      {
        cause,
        line,
        limit: 'maxOutputChars',
      },
    );
  }
  return failure(`${where}: render failed: ${typeWords(message)}`, { cause, line });
}

export class CompiledTemplate {
  readonly hasGenerationTags: boolean;
  /** The limits each render runs under. */
  readonly budget: Readonly<TemplateBudget>;
  readonly #program: MeteredProgram;

  /**
   * @throws ChatTemplateError when `source` is not a string or does not parse (naming the line where it can).
   * @throws ChatFormatError when `budget` holds an unknown key or a value that is not a positive integer.
   */
  constructor(
    readonly name: string,
    readonly source: string,
    readonly now: () => Date,
    budget?: Partial<TemplateBudget>,
  ) {
    if (typeof source !== 'string') {
      throw new ChatTemplateError(
        `${name}: chat_template: expected a jinja template string, got ${typeof source}`,
      );
    }
    this.budget = resolveTemplateBudget(budget, name);
    // {% generation %} becomes a block-tag pair that prints a marker, so lstrip/trim_blocks and the `-` flags
    // still apply exactly as they do to the original block tag. The rewrite adds no line breaks: lines stay put.
    let tags = 0;
    const rewritten = source.replace(
      GENERATION_TAG,
      (_, left: string, end: string | undefined, right: string) => {
        tags++;
        return `{%${left} if true %}{{ '${end ? CLOSE : OPEN}' }}{% endif ${right}%}`;
      },
    );
    this.hasGenerationTags = tags > 0;
    this.#program = compile(name, rewritten);
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
    const meter = new RenderMeter(this.budget);
    const env = new Environment() as JinjaScope & { set(name: string, value: unknown): void };
    const interpreter = new GuardedInterpreter(env, this.#program, meter);
    try {
      for (const [key, value] of Object.entries({ ...templateGlobals(meter, this.now), ...context })) {
        env.set(key, value);
      }
      return String(interpreter.run(this.#program.program).value);
    } catch (cause) {
      throw renderFailure(this.name, cause, interpreter.lines);
    }
  }
}
