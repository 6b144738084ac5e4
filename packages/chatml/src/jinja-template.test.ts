import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ChatTemplateError } from './errors.js';
import { CompiledTemplate, type TemplateContext } from './jinja-template.js';
import type { ChatSegment } from './types.js';

// Small templates rendered by Python jinja2 configured like transformers (fixtures/render_goldens.py).
interface InlineGolden {
  id: string;
  template: string;
  context: TemplateContext;
  text: string;
  segments?: ChatSegment[];
}
const goldens = JSON.parse(
  readFileSync(new URL('../fixtures/rendered-goldens.json', import.meta.url), 'utf8'),
) as {
  inline: InlineGolden[];
};

/** Inline cases where @huggingface/jinja 0.5.11 and Python jinja2 disagree, and why. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'loop-break':
    '@huggingface/jinja drops the output an iteration wrote before {% break %} / {% continue %} (Python keeps it)',
};

const JUL_10 = () => new Date(2025, 6, 10, 12);
const compile = (source: string) => new CompiledTemplate('t', source, JUL_10);

describe('CompiledTemplate against Python jinja2 goldens', () => {
  const cases = goldens.inline.filter((c) => !(c.id in KNOWN_DIFFERENCES));
  test.each(cases.map((c) => [c.id, c] as const))('%s', (_, golden) => {
    const rendered = compile(golden.template).renderMarked({
      tools: null,
      documents: null,
      ...golden.context,
    });
    expect(rendered.text).toBe(golden.text);
    if (golden.segments) expect(rendered.segments).toEqual(golden.segments);
  });

  test.each(Object.entries(KNOWN_DIFFERENCES))('known difference %s: %s', (id) => {
    const golden = goldens.inline.find((c) => c.id === id)!;
    // Still different: when @huggingface/jinja fixes it, this fails and the entry should be removed.
    expect(compile(golden.template).render(golden.context)).not.toBe(golden.text);
  });
});

describe('CompiledTemplate errors and globals', () => {
  test('raise_exception becomes a ChatTemplateError naming the template', () => {
    const t = new CompiledTemplate('my-model', "{{ raise_exception('System role not supported') }}", JUL_10);
    expect(() => t.render({ messages: [] })).toThrow(
      new ChatTemplateError('my-model: chat template raised: System role not supported'),
    );
  });

  test('a template that does not parse fails at construction, naming the line', () => {
    expect(() => compile('{% for m in messages %}')).toThrow(
      new ChatTemplateError(
        't: chat_template line 1: syntax error: {% for %} is never closed: expected {% endfor %} before the end of the template',
      ),
    );
  });

  test('runtime failures are ChatTemplateError with the cause kept', () => {
    const t = compile('{{ messages[0].content | no_such_filter }}');
    let error: unknown;
    try {
      t.render({ messages: [{ role: 'user', content: 'x' }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChatTemplateError);
    expect((error as Error).message).toBe(
      't: chat_template line 1: render failed: Unknown string filter: no_such_filter',
    );
    expect((error as ChatTemplateError).line).toBe(1);
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  test('strftime_now reads the injected clock', () => {
    expect(compile("{{ strftime_now('%d %B %Y') }}").render({ messages: [] })).toBe('10 July 2025');
  });

  test('a non-string template is refused', () => {
    expect(() => new CompiledTemplate('t', null as unknown as string, JUL_10)).toThrow(
      new ChatTemplateError('t: chat_template: expected a jinja template string, got object'),
    );
  });

  test('generation markers in message text are refused rather than corrupting the mask', () => {
    const t = compile('{% generation %}{{ messages[0].content }}{% endgeneration %}');
    expect(t.hasGenerationTags).toBe(true);
    expect(() => t.renderMarked({ messages: [{ role: 'assistant', content: 'a\uFDD0b' }] })).toThrow(
      ChatTemplateError,
    );
  });

  test.each([
    ['{% endgeneration %}x', 't: {% endgeneration %} without {% generation %}'],
    ['{% generation %}x', 't: {% generation %} block never closed'],
  ])('unbalanced generation tags: %s', (source, message) => {
    expect(() => compile(source).renderMarked({ messages: [] })).toThrow(new ChatTemplateError(message));
  });
});
