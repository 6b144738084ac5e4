// Checks on the values a template builds, as @huggingface/jinja represents them ({ type: 'StringValue', value }, ...):
// no list may hold more items than the loop budget, no value may print as more characters than the output budget
// (so `[a, a]` nested forty deep, or a list holding one huge string a thousand times, is refused when it is built,
// not when printing or sorting it runs for minutes), and no function a template reaches can be turned into text
// (JavaScript's String(fn) is the function's source).
import type { RenderMeter } from './template-budget.js';

/** A runtime value of @huggingface/jinja, as far as this package reads it. */
export interface JinjaValue {
  type: string;
  value: unknown;
  readonly builtins: ReadonlyMap<string, JinjaValue>;
  toString(): string;
}

/** A function value: `value` is the JavaScript function the interpreter calls. */
export interface JinjaFunctionValue extends JinjaValue {
  value: (args: JinjaValue[], scope: unknown) => JinjaValue;
}

/** A template tried to print or concatenate a function (or otherwise reach a host object). */
export class HostValueError extends Error {
  override name = 'HostValueError';
}

const TYPE_WORDS: Record<string, string> = {
  IntegerValue: 'integer',
  FloatValue: 'float',
  StringValue: 'string',
  BooleanValue: 'boolean',
  ObjectValue: 'mapping',
  KeywordArgumentsValue: 'keyword arguments',
  NamespaceValue: 'namespace',
  ArrayValue: 'list',
  TupleValue: 'tuple',
  FunctionValue: 'function',
  NullValue: 'none',
  UndefinedValue: 'undefined',
};

/** `StringValue` → `string`, and so on, everywhere in a message from the library. */
export function typeWords(message: string): string {
  return message.replace(/\b[A-Za-z]+Value\b/g, (name) => TYPE_WORDS[name] ?? name);
}

function refuseToString(): never {
  throw new HostValueError(
    'expected text, a number, a list or a mapping, got a function (a template cannot print one)',
  );
}

/** Make `fn` unprintable: String(fn), `fn ~ ''` and `[fn] | join` throw instead of giving JavaScript source. */
export function hardenFunction(fn: JinjaValue): void {
  const callable = fn.value;
  if (typeof callable !== 'function' || Object.hasOwn(callable, 'toString')) return;
  Object.defineProperty(callable, 'toString', { value: refuseToString });
}

const CONTAINERS = new Set([
  'ArrayValue',
  'TupleValue',
  'ObjectValue',
  'KeywordArgumentsValue',
  'NamespaceValue',
]);
const WHAT: Record<string, string> = {
  StringValue: 'a string',
  ArrayValue: 'a list',
  TupleValue: 'a tuple',
  ObjectValue: 'a mapping',
  KeywordArgumentsValue: 'keyword arguments',
  NamespaceValue: 'a namespace',
};

/** How often (in visited values) measuring a large value reads the clock. */
const CLOCK_EVERY = 4096;

/**
 * Measures values as the characters their JSON would take at least (quotes, brackets, `, ` between items), with
 * immutable lists and mappings remembered, so a value reached again costs nothing. Namespaces are mutable: a value
 * that holds one is measured afresh each time.
 */
export class ValueGuard {
  readonly #sizes = new WeakMap<object, number>();
  readonly #meter: RenderMeter;
  readonly #cap: number;
  #visits = 0;
  #sawNamespace = false;
  readonly #open = new Set<JinjaValue>();

  constructor(meter: RenderMeter) {
    this.#meter = meter;
    this.#cap = meter.budget.maxOutputChars;
  }

  /** `value`, after checking its size and hardening any function it is. */
  check<V extends JinjaValue>(value: V): V {
    if (value.type === 'StringValue') {
      this.#meter.value('a string', (value.value as string).length);
    } else if (value.type === 'FunctionValue') {
      hardenFunction(value);
    } else if (CONTAINERS.has(value.type)) {
      if (Array.isArray(value.value)) this.#meter.items(WHAT[value.type] ?? 'a list', value.value.length);
      this.#meter.value(WHAT[value.type] ?? 'a value', this.#size(value));
    }
    return value;
  }

  #size(value: JinjaValue): number {
    if (++this.#visits % CLOCK_EVERY === 0) this.#meter.checkClock();
    switch (value.type) {
      case 'StringValue':
        return (value.value as string).length + 2;
      case 'FunctionValue':
        hardenFunction(value);
        return 1;
      case 'NamespaceValue': {
        this.#sawNamespace = true;
        if (this.#open.has(value)) return 0; // it holds itself: printing it fails on the JavaScript stack
        this.#open.add(value);
        try {
          return this.#sum(value);
        } finally {
          this.#open.delete(value);
        }
      }
      case 'ArrayValue':
      case 'TupleValue':
      case 'ObjectValue':
      case 'KeywordArgumentsValue': {
        const known = this.#sizes.get(value);
        if (known !== undefined) return known;
        const outer = this.#sawNamespace;
        this.#sawNamespace = false;
        const size = this.#sum(value);
        if (!this.#sawNamespace) this.#sizes.set(value, size);
        this.#sawNamespace ||= outer;
        return size;
      }
      default:
        return 1;
    }
  }

  /** Brackets plus each item (and key) with its separator; stops counting once past the cap. */
  #sum(value: JinjaValue): number {
    let size = 2;
    const items = value.value;
    if (items instanceof Map) {
      for (const [key, item] of items as Map<string, JinjaValue>) {
        size += key.length + 6 + this.#size(item);
        if (size > this.#cap) break;
      }
    } else if (Array.isArray(items)) {
      for (const item of items as JinjaValue[]) {
        size += 2 + this.#size(item);
        if (size > this.#cap) break;
      }
    }
    return size;
  }
}
