import { readFileSync } from 'node:fs';
import { Template } from '@huggingface/jinja';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { ChatFormatError } from './errors.js';
import { jinjaChatFormat } from './jinja-format.js';
import {
  DEFAULT_TEMPLATE_BUDGET,
  RenderMeter,
  resolveTemplateBudget,
  type TemplateBudget,
  TemplateLimitError,
} from './template-budget.js';

describe('resolveTemplateBudget', () => {
  test('no overrides: the defaults', () => {
    expect(resolveTemplateBudget(undefined, 't')).toBe(DEFAULT_TEMPLATE_BUDGET);
    expect(DEFAULT_TEMPLATE_BUDGET).toEqual({
      timeMs: 10_000,
      maxLoopIterations: 100_000,
      maxOutputChars: 16 * 1024 * 1024,
      maxMacroDepth: 200,
    });
  });

  test('overrides replace single limits', () => {
    expect(resolveTemplateBudget({ maxLoopIterations: 5_000_000, timeMs: undefined }, 't')).toEqual({
      ...DEFAULT_TEMPLATE_BUDGET,
      maxLoopIterations: 5_000_000,
    });
  });

  test.each([
    [{ timeMs: 0 }, 't: budget.timeMs: expected a positive integer, got 0'],
    [{ maxOutputChars: 1.5 }, 't: budget.maxOutputChars: expected a positive integer, got 1.5'],
    [{ maxMacroDepth: Number.NaN }, 't: budget.maxMacroDepth: expected a positive integer, got NaN'],
    [{ maxLoopIterations: '10' }, 't: budget.maxLoopIterations: expected a positive integer, got string'],
    [
      { loops: 3 },
      't: budget.loops: expected one of timeMs, maxLoopIterations, maxOutputChars, maxMacroDepth, got loops',
    ],
  ])('%j is refused', (overrides, message) => {
    expect(() => resolveTemplateBudget(overrides as Partial<TemplateBudget>, 't')).toThrow(
      new ChatFormatError(message),
    );
  });
});

describe('RenderMeter', () => {
  const meter = (budget: Partial<TemplateBudget>) =>
    new RenderMeter({ ...DEFAULT_TEMPLATE_BUDGET, ...budget });
  const limitOf = (run: () => void) => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(TemplateLimitError);
      return [(error as TemplateLimitError).limit, (error as Error).message];
    }
    return undefined;
  };

  test('loop iterations: the cap itself passes, one more fails', () => {
    const m = meter({ maxLoopIterations: 3 });
    for (let i = 0; i < 3; i++) m.iteration();
    expect(limitOf(() => m.iteration())).toEqual([
      'maxLoopIterations',
      'loop budget exceeded after 3 iterations (all loops together; budget.maxLoopIterations)',
    ]);
  });

  test('output: counted across writes', () => {
    const m = meter({ maxOutputChars: 10 });
    m.write(6);
    expect(limitOf(() => m.write(5))).toEqual([
      'maxOutputChars',
      'output over 10 characters (budget.maxOutputChars)',
    ]);
  });

  test('list items: refused before they are built', () => {
    const m = meter({ maxLoopIterations: 10 });
    m.items('range(10)', 10);
    expect(limitOf(() => m.items('range(11)', 11))?.[1]).toBe(
      'range(11) has 11 items: expected at most 10 (budget.maxLoopIterations)',
    );
    expect(limitOf(() => m.items('split()', 11, 'at least'))?.[1]).toBe(
      'split() has more than 10 items: expected at most 10 (budget.maxLoopIterations)',
    );
  });

  test('macro depth: leaving a macro frees its level', () => {
    const m = meter({ maxMacroDepth: 2 });
    m.enterMacro('f');
    m.enterMacro('f');
    m.exitMacro();
    m.enterMacro('g');
    expect(limitOf(() => m.enterMacro('h'))).toEqual([
      'maxMacroDepth',
      "recursion too deep: macro 'h' called inside 2 nested macro calls (budget.maxMacroDepth)",
    ]);
  });

  test('the clock: past timeMs, the next check fails', () => {
    const m = meter({ timeMs: 1 });
    const start = performance.now();
    while (performance.now() - start < 3) {
      // wait past the 1 ms budget
    }
    expect(limitOf(() => m.checkClock())?.[0]).toBe('timeMs');
  });
});

describeWithFixtures('real templates render long conversations within the default budget, unchanged', () => {
  const readJson = (...parts: string[]) => JSON.parse(readFileSync(sharedFixture(...parts), 'utf8'));
  const templates = (): Record<string, string> => {
    const e2e = readJson('chat-templates', 'huggingface.js-jinja-e2e.json').TEST_CUSTOM_TEMPLATES;
    return {
      'qwen2.5-instruct': readJson('qwen2.5-instruct', 'tokenizer_config.json').chat_template,
      'gemma-3': readJson('gemma', 'gemma-3-chat_template.json').chat_template,
      'llama-3.1': e2e['meta-llama/Llama-3.1-8B-Instruct'].chat_template,
      'mistral-nemo': e2e['mistralai/Mistral-Nemo-Instruct-2407'].chat_template,
    };
  };
  // Thousands of messages: more than a training example holds (20,000 render too, in about a second each).
  const messages = Array.from({ length: 5_000 }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: `message ${i}: ${'words '.repeat(i % 7)}`,
  }));

  test.each(['qwen2.5-instruct', 'gemma-3', 'llama-3.1', 'mistral-nemo'])('%s', (name) => {
    const source = templates()[name]!;
    const context = {
      messages,
      bos_token: '<s>',
      eos_token: '</s>',
      add_generation_prompt: false,
      tools: null,
      documents: null,
      date_string: '10 Jul 2025',
    };
    // The oracle: the library's own renderer, with no budget and no guards.
    const expected = new Template(source).render(context);
    const rendered = jinjaChatFormat(source, {}, { name }).renderText(context);
    expect(rendered.length).toBeGreaterThan(5_000 * 10);
    expect(rendered === expected).toBe(true);
  });
});
