// A model's chat_template is untrusted input. Each hostile template here must end with one ChatTemplateError line
// naming the tokenizer_config.json it came from, the budget it ran past (or what is wrong), and its line; none may
// crash the process, hang, or show JavaScript source. Without the budget these crash V8 (range), run for minutes
// (nested loops, exponential macros, huge output) or print the library's source (namespace).
import { describe, expect, test } from 'vitest';
import { ChatTemplateError, type TemplateLimitName } from './errors.js';
import type { TemplateBudget } from './template-budget.js';
import { chatFormatFromTokenizerConfig } from './tokenizer-config.js';

const SOURCE = 'models/evil/tokenizer_config.json';

/**
 * A hang would run for minutes or hours; every case here ends in well under a second or two on a 2-core machine.
 * The bound only catches a hang, so a loaded machine cannot make it flaky.
 */
const PROMPT_MS = 20_000;

/** Only the limit under test can fire: the clock gets a minute unless the case is about the clock. */
const UNTIMED: Partial<TemplateBudget> = { timeMs: 60_000 };

interface Outcome {
  output?: string;
  error?: ChatTemplateError;
  ms: number;
}

function run(template: string, budget: Partial<TemplateBudget> = UNTIMED, variables: object = {}): Outcome {
  const start = performance.now();
  try {
    const format = chatFormatFromTokenizerConfig({ chat_template: template }, { source: SOURCE, budget });
    const output = format.renderText({ messages: [{ role: 'user', content: 'hi' }], ...variables });
    return { output, ms: performance.now() - start };
  } catch (error) {
    if (!(error instanceof ChatTemplateError)) throw error; // a bare TypeError, RangeError, ... fails the test
    return { error, ms: performance.now() - start };
  }
}

/** A one-line ChatTemplateError naming the source, within PROMPT_MS, matching `message`. */
function expectContained(outcome: Outcome, message: RegExp, limit?: TemplateLimitName): ChatTemplateError {
  expect(outcome.output).toBeUndefined();
  const error = outcome.error!;
  expect(error).toBeInstanceOf(ChatTemplateError);
  expect(error.message).toMatch(message);
  expect(error.message.startsWith(`${SOURCE}: chat`)).toBe(true);
  expect(error.message).not.toMatch(/\n/);
  expect(error.message).not.toMatch(/Cannot read properties|is not a function|\[object /);
  expect(error.limit).toBe(limit);
  expect(outcome.ms).toBeLessThan(PROMPT_MS);
  return error;
}

/** What JavaScript source looks like: none of it may reach the output or a message. */
const JS_SOURCE = /=>|\breturn\b|\[native code\]|\bconst\b|\bthis\.|\bnew [A-Z]|\(args/;

describe('huge range: refused before the list is built', () => {
  test.each([
    ['{% for i in range(2000000000) %}{% endfor %}', 'range\\(2000000000\\) has 2000000000 items'],
    ['{{ range(0, 2000000000, 1) | length }}', 'range\\(0, 2000000000, 1\\) has 2000000000 items'],
    ['{{ range(2000000000, 0, -7) | length }}', 'range\\(2000000000, 0, -7\\) has 285714286 items'],
  ])('%s', (template, what) => {
    const error = expectContained(
      run(template),
      new RegExp(
        `^${SOURCE}: chat_template line 1: ${what}: expected at most 100000 \\(budget.maxLoopIterations\\)$`,
      ),
      'maxLoopIterations',
    );
    expect(error.line).toBe(1);
  });

  test('a range within the budget renders, and a caller can raise the budget', () => {
    expect(run('{{ range(100000) | length }}').output).toBe('100000');
    expect(run('{{ range(100001) | length }}', { maxLoopIterations: 200_000 }).output).toBe('100001');
  });

  test('range takes integers only', () => {
    expectContained(
      run('{{ range(1.5) }}'),
      /line 1: render failed: range\(1.5\): expected 1 to 3 integer arguments$/,
    );
  });
});

describe('nested loops: one iteration budget for all loops together', () => {
  test('1000 x 1000 iterations stop at the budget', () => {
    const error = expectContained(
      run(
        '{{ messages[0].content }}\n{% for i in range(1000) %}\n  {% for j in range(1000) %}{% endfor %}\n{% endfor %}',
      ),
      /^models\/evil\/tokenizer_config.json: chat_template line 3: loop budget exceeded after 100000 iterations \(all loops together; budget.maxLoopIterations\)$/,
      'maxLoopIterations',
    );
    expect(error.line).toBe(3);
  });

  test("a loop filter's test counts: it runs for every item, before any body", () => {
    expectContained(
      run('{% for i in range(100000) %}{% for j in range(100000) if j < 0 %}{% endfor %}{% endfor %}'),
      /line 1: loop budget exceeded after 100000 iterations/,
      'maxLoopIterations',
    );
  });

  test('a list longer than the loop budget cannot be built by doubling', () => {
    expectContained(
      run(
        '{% set ns = namespace(a=[1]) %}{% for i in range(30) %}{% set ns.a = ns.a + ns.a %}{% endfor %}{{ ns.a | sort }}',
      ),
      /line 1: a list has 131072 items: expected at most 100000 \(budget.maxLoopIterations\)$/,
      'maxLoopIterations',
    );
  });

  test('split() is counted before it runs', () => {
    expectContained(
      run(
        "{% set ns = namespace(s='a ') %}{% for i in range(20) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s.split() | length }}",
      ),
      /line 1: split\(\) of a 2097152-character string has more than 100000 items: expected at most 100000/,
      'maxLoopIterations',
    );
    expect(run("{{ 'a b  c'.split() }}{{ 'a,b'.split(',') }}{{ 'a b c'.split(none, 1) }}").output).toBe(
      '["a", "b", "c"]["a", "b"]["a", "b c"]',
    );
  });
});

describe('deep recursion: macro nesting is bounded', () => {
  test.each([
    ['self', '{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}\n{{ f(0) }}', 'f'],
    [
      'mutual',
      '{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}\n{{ a() }}',
      'a|b',
    ],
    ['through a call block', '{% macro m() %}{% call m() %}{% endcall %}{% endmacro %}\n{{ m() }}', 'm'],
  ])('%s', (_, template, names) => {
    expectContained(
      run(template),
      new RegExp(
        `recursion too deep: macro '(${names})' called inside 200 nested macro calls \\(budget.maxMacroDepth\\)$`,
      ),
      'maxMacroDepth',
    );
  });

  test('recursion within the budget renders', () => {
    const template = '{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% endif %}x{% endmacro %}{{ f(199) }}';
    expect(run(template).output).toBe('x'.repeat(200));
  });

  test('exponential fan-out (no loop, no deep nesting) stops at the time budget', () => {
    const template =
      '{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}';
    expectContained(
      run(template, { timeMs: 200 }),
      /line 1: time budget exceeded after \d+ ms: expected a render within 200 ms \(budget.timeMs\)$/,
      'timeMs',
    );
  });
});

describe('huge output and huge values', () => {
  const megabyte =
    "{% set ns = namespace(s='x') %}{% for i in range(20) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}";

  test('90 MB of output stops at the output budget', () => {
    expectContained(
      run(`${megabyte}{% for i in range(90) %}{{ ns.s }}{% endfor %}`),
      /line 1: output over 16777216 characters \(budget.maxOutputChars\)$/,
      'maxOutputChars',
    );
  });

  test('a string doubled past the budget is refused as it is built', () => {
    expectContained(
      run("{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"),
      /would print as at least \d+ characters: expected at most 16777216 \(budget.maxOutputChars\)$/,
      'maxOutputChars',
    );
  });

  test('a small list aliased forty deep ([a, a]) is refused before printing it', () => {
    expectContained(
      run(
        "{% set ns = namespace(a=['x']) %}{% for i in range(40) %}{% set ns.a = [ns.a, ns.a] %}{% endfor %}{{ ns.a | tojson }}",
      ),
      /a list would print as at least \d+ characters: expected at most 16777216/,
      'maxOutputChars',
    );
  });

  test.each([
    ["{{ 'a\\nb' | indent(400000000) }}", 'indent\\(400000000\\)'],
    [
      '{% set ns = namespace(a=[1]) %}{% for i in range(16) %}{% set ns.a = [ns.a, ns.a] %}{% endfor %}{{ ns.a | tojson(indent=1000000) }}',
      'tojson\\(indent=1000000\\)',
    ],
  ])('an indentation width multiplied past the budget: %s', (template, what) => {
    expectContained(
      run(template),
      new RegExp(`the result of ${what} would print as at least`),
      'maxOutputChars',
    );
  });

  test('output within the budget renders', () => {
    expect(run(`${megabyte}{% for i in range(15) %}{{ ns.s }}{% endfor %}`).output?.length).toBe(
      15 * 2 ** 20,
    );
  });
});

describe('no host object is reachable', () => {
  test.each([
    ['{{ namespace }}', 'namespace'],
    ['{{ range }}', 'range'],
    ['{{ raise_exception }}', 'raise_exception'],
    ['{{ strftime_now }}', 'strftime_now'],
    ['{% macro m() %}{% endmacro %}{{ m }}', 'm'],
    ['{{ messages[0].get }}', 'messages\\[0\\].get'],
  ])('printing a function is an error: %s', (template, name) => {
    expectContained(
      run(template),
      new RegExp(`line 1: cannot print ${name}: expected text, got a function$`),
    );
  });

  test.each([
    "{{ namespace ~ '' }}",
    "{{ 'x' + range }}",
    '{{ [namespace] | join }}',
    "{{ [range] | join(', ') }}",
    '{{ [namespace] | string }}',
    '{{ {"f": range} }}',
    '{% set ns = namespace(f=range) %}{{ ns }}',
    "{{ 'a'.upper ~ '' }}",
    '{{ raise_exception(namespace) }}',
    '{{ strftime_now(range) }}',
    '{{ range(namespace) }}',
    "{{ namespace == 'x' }}",
    '{{ helpers.values() | join }}',
    '{{ helpers | items | list }}',
  ])('turning a function into text never gives its source: %s', (template) => {
    const outcome = run(template, UNTIMED, { helpers: { f: () => 'host' } });
    expect(outcome.output ?? '').not.toMatch(JS_SOURCE);
    if (outcome.error !== undefined) {
      expect(outcome.error.message).not.toMatch(JS_SOURCE);
      expect(outcome.error.message).not.toMatch(/\n/);
    }
    expect(outcome.output === undefined || outcome.output === '' || !/function|=>/.test(outcome.output)).toBe(
      true,
    );
  });

  test.each([
    '{{ messages.__proto__ }}',
    '{{ messages.constructor }}',
    "{{ messages['constructor'] }}",
    "{{ messages[0]['__proto__'] }}",
    '{{ messages[0].constructor }}',
    "{{ 'a'.constructor }}",
    "{{ ''.__class__ }}",
    '{{ messages.toString }}',
    '{{ messages[0].content.toString }}',
    '{{ messages.valueOf }}',
    '{{ namespace.__globals__ }}',
    '{{ namespace.constructor }}',
    '{{ range.constructor }}',
    '{{ range.call }}',
    '{{ loop }}',
    '{{ cycler }}{{ joiner }}{{ lipsum }}{{ dict }}{{ self }}{{ config }}',
    '{{ process }}{{ globalThis }}{{ require }}{{ Object }}{{ Function }}{{ this }}{{ constructor }}{{ __proto__ }}',
    '{{ (messages | first).items() | list | string | length > 0 }}',
  ])('attribute walks reach nothing of the host: %s', (template) => {
    const outcome = run(template);
    expect(outcome.error?.message ?? '').not.toMatch(JS_SOURCE);
    expect(outcome.output === undefined || outcome.output === '' || outcome.output === 'true').toBe(true);
  });

  test('nothing is left to call on a walked attribute', () => {
    expectContained(
      run("{{ messages.constructor('return process')() }}"),
      /line 1: render failed: cannot call messages.constructor: expected a function, got undefined$/,
    );
  });
});

describe('syntax errors name the line and what is wrong', () => {
  test.each([
    [
      '{% for m in messages %}\n{{ m }}',
      1,
      'syntax error: {% for %} is never closed: expected {% endfor %} before the end of the template',
    ],
    [
      '{% if a %}\n{% for m in messages %}\n{% endif %}',
      3,
      'syntax error: expected {% endfor %} to close the {% for %} of line 2, got {% endif %}',
    ],
    ['text\n{% endif %}', 2, 'syntax error: {% endif %} closes no open block'],
    ['ok\n{{ a + }}', 2, 'syntax error near "}}": unexpected token: CloseExpression'],
    ['ok\n\n{% frobnicate %}', 3, 'syntax error near "frobnicate": unknown statement type: frobnicate'],
    ["ok\n{{ 'abc }}", 2, 'syntax error: a tag opened here is never closed (Unexpected end of input)'],
    ['ok\n{# note', 2, 'syntax error: a tag opened here is never closed (Missing end of comment tag)'],
  ])('%j', (template, line, what) => {
    const error = expectContained(run(template), /./);
    expect(error.message).toBe(`${SOURCE}: chat_template line ${line}: ${what}`);
    expect(error.line).toBe(line);
  });

  test('nesting deeper than the parser can follow', () => {
    expectContained(
      run(`{{ ${'('.repeat(100_000)}1${')'.repeat(100_000)} }}`),
      /syntax error: the template nests too deeply to parse$/,
    );
  });
});

describe('runtime errors name the line and what is wrong', () => {
  test.each([
    [
      'a\n{{ messages[0].content | no_such_filter }}',
      2,
      'render failed: Unknown string filter: no_such_filter',
    ],
    [
      '{% for m in messages %}\n{{ m.content | shout }}\n{% endfor %}',
      2,
      'render failed: Unknown string filter: shout',
    ],
    [
      '{{ x }}\n{{ undefined_macro(1) }}',
      2,
      'render failed: cannot call undefined_macro: expected a function, got undefined',
    ],
    [
      '{% for m in 5 %}{% endfor %}',
      1,
      'render failed: Expected iterable or object type in for loop: got integer',
    ],
    ['{{ strftime_now(5) }}', 1, 'render failed: strftime_now: expected a format string, got 5'],
  ])('%j', (template, line, what) => {
    const error = expectContained(run(template), /./);
    expect(error.message).toBe(`${SOURCE}: chat_template line ${line}: ${what}`);
    expect(error.cause).toBeInstanceOf(Error);
  });

  test("raise_exception keeps the template's own message", () => {
    expect(run("{{ raise_exception('Only user and assistant roles are supported!') }}").error?.message).toBe(
      `${SOURCE}: chat template raised: Only user and assistant roles are supported!`,
    );
  });
});
