// Golden tests against real chat templates: the huggingface.js e2e targets, and the real Qwen2.5 / TinyLlama /
// Gemma / Llama templates rendered by Python jinja2 the transformers way (fixtures/render_goldens.py).
import { readFileSync } from 'node:fs';
import { describeWithFixtures, sharedFixture, sharedFixturesDir } from '@lora/testing';
import { expect, test } from 'vitest';
import { ChatFormatError, ChatTemplateError } from './errors.js';
import { jinjaChatFormat } from './jinja-format.js';
import type { TemplateContext } from './jinja-template.js';
import { getChatFormat } from './registry.js';
import type { BuiltinFormatName, ChatMessage, ChatSegment } from './types.js';

interface Golden {
  template: string;
  conversation: string;
  add_generation_prompt: boolean;
  special_tokens: Record<string, string>;
  text?: string;
  error?: string;
  segments?: ChatSegment[];
}
const goldens = JSON.parse(
  readFileSync(new URL('../fixtures/rendered-goldens.json', import.meta.url), 'utf8'),
) as {
  conversations: Record<string, ChatMessage[]>;
  cases: Golden[];
};

const JUL_10 = () => new Date(2025, 6, 10, 12); // the date the e2e targets and the goldens were rendered with
const readJson = (...parts: string[]) => JSON.parse(readFileSync(sharedFixture(...parts), 'utf8'));
// describe bodies run at collection even when skipped: read shared fixtures there only when they exist.
const haveFixtures = sharedFixturesDir() !== undefined;

let templateCache: Record<string, string> | undefined;
/** The real templates render_goldens.py rendered, read the same way from the shared fixtures (call inside tests). */
function realTemplates(): Record<string, string> {
  templateCache ??= readRealTemplates();
  return templateCache;
}

function readRealTemplates(): Record<string, string> {
  const e2e = readJson('chat-templates', 'huggingface.js-jinja-e2e.json').TEST_CUSTOM_TEMPLATES;
  const ollama = readJson('chat-templates', 'ollama-template-index.json') as {
    name: string;
    template: string;
  }[];
  const first = (name: string) => ollama.find((t) => t.name === name)!.template;
  /** the i-th distinct template of a family, in index order (as render_goldens.py picks them) */
  const nth = (name: string, i: number) =>
    [...new Set(ollama.filter((t) => t.name === name).map((t) => t.template))][i]!;
  return {
    'qwen2.5-instruct': readJson('qwen2.5-instruct', 'tokenizer_config.json').chat_template,
    'tinyllama-chat': readJson('tinyllama-1.1b-chat-v1.0', 'tokenizer_config.json').chat_template,
    gemma: readJson('gemma', 'tokenizer_config.json').chat_template,
    'gemma-3': readJson('gemma', 'gemma-3-chat_template.json').chat_template,
    'llama-3.1': e2e['meta-llama/Llama-3.1-8B-Instruct'].chat_template,
    'llama-3': first('llama3-instruct'),
    'llama-2-chat': first('llama2-chat'),
    smollm3: e2e['HuggingFaceTB/SmolLM3-3B'].chat_template,
    'mistral-instruct': nth('mistral-instruct', 0),
    'mistral-instruct-2': nth('mistral-instruct', 1),
    'phi-3': nth('phi-3', 0),
    'phi-3-bos': nth('phi-3', 1),
    'phi-3-roles': nth('phi-3', 2),
  };
}

interface E2eEntry {
  chat_template: string;
  data: TemplateContext & Record<string, unknown>;
  target: string;
}

describeWithFixtures(
  'jinjaChatFormat reproduces every huggingface.js e2e target (chat-templates fixture)',
  () => {
    const e2e: Record<string, Record<string, E2eEntry>> = haveFixtures
      ? readJson('chat-templates', 'huggingface.js-jinja-e2e.json')
      : {};
    const entries = Object.values(e2e).flatMap((group) => Object.entries(group));

    // Note: the MadeAgents/Hammer2.1 target prints a dict as JSON, as @huggingface/jinja does; Python jinja2 would print
    // its repr ({'type': ...}). We match the stored target.
    test.each(entries)('renderText: %s', (name, entry) => {
      const format = jinjaChatFormat(entry.chat_template, {}, { name, now: JUL_10 });
      expect(format.renderText(entry.data)).toBe(entry.target);
    });

    // render() takes plain { role, content } messages; these entries qualify. Entries with tool_calls, content parts or
    // null content are covered by renderText above.
    const plain = entries.filter(([, e]) =>
      e.data.messages.every((m) => {
        const message = m as Record<string, unknown>;
        return (
          Object.keys(message).length === 2 &&
          typeof message.role === 'string' &&
          typeof message.content === 'string'
        );
      }),
    );
    /** Templates whose rendering of a prefix differs from the start of the whole conversation. */
    const NOT_PREFIX_STABLE: Record<string, string> = {
      blenderbot: 'puts "  " between messages and EOS after the last one',
      blenderbot_small: 'puts "  " between messages and EOS after the last one',
      'HuggingFaceH4/zephyr-7b-gemma-v0.1': "appends eos_token when the last message is the assistant's",
      'internlm/internlm2-chat-7b': "appends eos_token when the last message is the assistant's",
      'codellama/CodeLlama-70b-Instruct-hf':
        "always ends with 'Source: assistant\\nDestination: user', unlike a rendered turn",
    };
    /** Entries whose target render() cannot give, and why. */
    const RENDER_DIFFERENCES: Record<string, string> = {
      'ai21labs/AI21-Jamba-Large-1.6':
        'the target was rendered with add_generation_prompt undefined (the template then defaults it to true); ' +
        'transformers, like render(), always passes it (false here)',
    };

    test.each(plain)('render: %s', (name, entry) => {
      const { messages, add_generation_prompt, bos_token, eos_token, tools, ...variables } = entry.data;
      const format = jinjaChatFormat(entry.chat_template, {}, { name, now: JUL_10 });
      const run = () =>
        format.render(messages as ChatMessage[], {
          addGenerationPrompt: add_generation_prompt === true,
          bosToken: bos_token as string | undefined,
          eosToken: eos_token as string | undefined,
          tools: tools as unknown[] | undefined,
          variables,
        });
      if (name in NOT_PREFIX_STABLE) {
        expect(run).toThrow(ChatTemplateError);
        expect(run).toThrow(`${name}: messages[1] (assistant): `);
        return;
      }
      const rendered = run();
      if (name in RENDER_DIFFERENCES) {
        expect(rendered.text).not.toBe(entry.target);
        return;
      }
      expect(rendered.text).toBe(entry.target);
      expect(rendered.segments.map((s) => s.text).join('')).toBe(rendered.text);
    });

    test.each([
      ['_base', ["I'm doing great. How can I help you today?<|im_end|>\n"]],
      ['llama', [" I'm doing great. How can I help you today? </s>"]],
      [
        'HuggingFaceH4/zephyr-7b-beta (add_generation_prompt=false)',
        ["I'm doing great. How can I help you today?</s>\n"],
      ],
      ['mistralai/Mixtral-8x7B-Instruct-v0.1', ["I'm doing great. How can I help you today?</s>"]],
      ['deepseek-ai/DeepSeek-R1', ['Hi!<｜end▁of▁sentence｜>']], // the template drops <think>...</think> from history
      ['Qwen/Qwen1.5-72B-Chat', ["I'm doing great. How can I help you today?"]], // <|im_end|> belongs to the next turn
    ])('trained text of %s', (name, expected) => {
      const entry = entries.find(([n]) => n === name)![1];
      const { messages, add_generation_prompt, bos_token, eos_token } = entry.data;
      const rendered = jinjaChatFormat(entry.chat_template).render(messages as ChatMessage[], {
        addGenerationPrompt: add_generation_prompt === true,
        bosToken: bos_token as string | undefined,
        eosToken: eos_token as string | undefined,
      });
      expect(rendered.segments.filter((s) => s.train).map((s) => s.text)).toEqual(expected);
    });
  },
);

/** Golden cases where @huggingface/jinja and Python jinja2 disagree, with the reason. */
function knownJinjaDifference(c: Golden): string | undefined {
  const trims = ['gemma', 'gemma-3', 'llama-3', 'llama-3.1', 'llama-2-chat'];
  if (c.conversation === 'python-whitespace' && trims.includes(c.template)) {
    return '`| trim` strips JavaScript whitespace (U+FEFF) instead of Python whitespace (U+0085)';
  }
  if (c.template === 'smollm3' && ['python-whitespace', 'whitespace-unicode'].includes(c.conversation)) {
    return '`.lstrip("\\n")` ignores its argument in @huggingface/jinja and strips all leading whitespace';
  }
  return undefined;
}

describeWithFixtures(
  'jinjaChatFormat matches Python jinja2 on the real templates (fixtures/rendered-goldens.json)',
  () => {
    const label = (c: Golden) => `${c.template} / ${c.conversation} / agp=${c.add_generation_prompt}`;
    const render = (c: Golden) =>
      jinjaChatFormat(realTemplates()[c.template]!, c.special_tokens, {
        name: c.template,
        now: JUL_10,
      }).render(goldens.conversations[c.conversation]!, { addGenerationPrompt: c.add_generation_prompt });

    const agree = goldens.cases.filter((c) => !knownJinjaDifference(c));
    test.each(agree.map((c) => [label(c), c] as const))('%s', (_, c) => {
      if (c.error !== undefined) {
        expect(() => render(c)).toThrow(
          new ChatTemplateError(`${c.template}: chat template raised: ${c.error}`),
        );
        return;
      }
      const rendered = render(c);
      expect(rendered.text).toBe(c.text);
      // SmolLM3 has {% generation %} blocks: its segments must equal transformers' generation spans.
      if (c.segments) expect(rendered.segments).toEqual(c.segments);
    });

    test("Phi-3's eos_token after the last message trains with the last turn, not with the ones before", () => {
      const phi3 = jinjaChatFormat(realTemplates()['phi-3-roles']!, {
        bos_token: '<s>',
        eos_token: '<|endoftext|>',
      });
      const rendered = phi3.render(goldens.conversations['multi-turn']!);
      expect(rendered.segments.filter((s) => s.train).map((s) => s.text)).toEqual([
        'Hello! How can I help?<|end|>\n',
        'Why did the tensor break up? It lost its shape.<|end|>\n<|endoftext|>',
      ]);
    });

    const differ = goldens.cases.filter((c) => knownJinjaDifference(c));
    test.each(differ.map((c) => [label(c), knownJinjaDifference(c)!, c] as const))(
      'known difference %s: %s',
      (_, __, c) => {
        expect(render(c).text).not.toBe(c.text);
      },
    );
  },
);

const QWEN_DEFAULT_SYSTEM =
  '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n';
const LLAMA_31_PREAMBLE = 'Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n';

/**
 * Which builtin format mirrors each real template, and how a conversation maps onto it. `skip` says why a case
 * cannot compare; `expectText` turns the builtin's text into what the template renders where they differ by design.
 */
const BUILTIN_RULES: Record<
  string,
  {
    format: BuiltinFormatName;
    skip?: (c: Golden, messages: ChatMessage[]) => string | undefined;
    messages?: (messages: ChatMessage[]) => ChatMessage[];
    expectText?: (builtinText: string, messages: ChatMessage[]) => string;
  }
> = {
  'qwen2.5-instruct': {
    format: 'chatml',
    // Qwen2.5's template adds its default system prompt when none is given; the builtin chatml does not.
    expectText: (text, messages) => (messages[0]?.role === 'system' ? text : QWEN_DEFAULT_SYSTEM + text),
  },
  'tinyllama-chat': { format: 'zephyr' },
  gemma: {
    format: 'gemma',
    skip: (c) =>
      c.error === 'System role not supported'
        ? 'Gemma 1 raises on a system role; the builtin folds it in as Gemma-3 does (compared under gemma-3)'
        : undefined,
  },
  'gemma-3': { format: 'gemma' },
  'llama-3': { format: 'llama3' },
  'llama-3.1': {
    format: 'llama3',
    // Llama-3.1 writes a dated preamble into its (always present) system turn; with the preamble put into the
    // system message, the builtin renders the same text.
    skip: (_, messages) =>
      messages[0]?.role === 'system'
        ? undefined
        : 'Llama-3.1 adds a system turn with an untrimmed preamble when none is given',
    messages: ([system, ...rest]) => [
      { role: 'system', content: LLAMA_31_PREAMBLE + system!.content.trim() },
      ...rest,
    ],
  },
  'llama-2-chat': { format: 'llama2' },
};

describeWithFixtures('builtin formats render what the real templates render, with the same segments', () => {
  const skipReason = (c: Golden) =>
    BUILTIN_RULES[c.template]!.skip?.(c, goldens.conversations[c.conversation]!);
  const row = (c: Golden) =>
    [BUILTIN_RULES[c.template]!.format, c.template, c.conversation, c.add_generation_prompt, c] as const;
  const cases = goldens.cases.filter((c) => c.template in BUILTIN_RULES);
  test.skip.each(cases.filter(skipReason).map((c) => [...row(c).slice(0, 4), skipReason(c)!]))(
    '%s vs %s / %s / agp=%s not compared: %s',
    () => {},
  );
  test.each(cases.filter((c) => !skipReason(c)).map(row))(
    '%s vs %s / %s / agp=%s',
    (formatName, _, __, agp, c) => {
      const rule = BUILTIN_RULES[c.template]!;
      const original = goldens.conversations[c.conversation]!;
      const messages = rule.messages ? rule.messages(original) : original;
      const options = {
        addGenerationPrompt: agp,
        bosToken: c.special_tokens.bos_token,
        eosToken: c.special_tokens.eos_token,
      };
      const run = () => getChatFormat(formatName).render(messages, options);
      if (c.error !== undefined) {
        expect(run).toThrow(ChatFormatError);
        return;
      }
      const builtin = run();
      expect(rule.expectText ? rule.expectText(builtin.text, messages) : builtin.text).toBe(c.text);
      if (rule.expectText || knownJinjaDifference(c)) return;
      // Same segments as incremental rendering of the real template.
      const jinja = jinjaChatFormat(realTemplates()[c.template]!, c.special_tokens, { now: JUL_10 }).render(
        original,
        {
          addGenerationPrompt: agp,
        },
      );
      expect(builtin.segments).toEqual(jinja.segments);
    },
  );

  test('llama2 equals the e2e "llama" (transformers LlamaTokenizer default) template target', () => {
    const entry = readJson('chat-templates', 'huggingface.js-jinja-e2e.json').TEST_DEFAULT_TEMPLATES
      .llama as E2eEntry;
    const rendered = getChatFormat('llama2').render(entry.data.messages as ChatMessage[]);
    expect(rendered.text).toBe(entry.target);
  });

  test('chatml equals Qwen2.5 with an explicit system message, segment for segment', () => {
    const messages = goldens.conversations['system-multi-turn']!;
    const qwen = jinjaChatFormat(realTemplates()['qwen2.5-instruct']!, { eos_token: '<|im_end|>' }).render(
      messages,
    );
    expect(getChatFormat('chatml').render(messages)).toEqual(qwen);
  });
});
