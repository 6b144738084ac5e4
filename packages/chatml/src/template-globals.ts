// The names a chat template sees besides its context, as transformers' jinja2 environment gives them: the constants,
// `range` (bounded by the loop budget before any list is built), `raise_exception` and `strftime_now`.
// @huggingface/jinja adds `namespace` itself. Nothing else of the host is named.
import { quote } from './describe.js';
import type { RenderMeter } from './template-budget.js';
import { strftime } from './strftime.js';

/** raise_exception(message) from the template: its message is the template author's. */
export class TemplateRaised extends Error {
  override name = 'TemplateRaised';
}

/** A JavaScript value the library passed from the template, in words (never a function's source). */
function describeArgument(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'function') return 'a function';
  if (value instanceof Map) return 'a mapping';
  if (Array.isArray(value)) return 'a list';
  return value === null ? 'none' : 'undefined';
}

/** Python's range(stop) / range(start, stop[, step]) over integers, refused when longer than the loop budget. */
function boundedRange(meter: RenderMeter, args: unknown[]): number[] {
  const call = `range(${args.map(describeArgument).join(', ')})`;
  if (
    args.length < 1 ||
    args.length > 3 ||
    !args.every((a) => typeof a === 'number' && Number.isSafeInteger(a))
  ) {
    throw new Error(`${call}: expected 1 to 3 integer arguments`);
  }
  const [a, b, c] = args as number[];
  const [start, stop, step] = b === undefined ? [0, a!, 1] : [a!, b, c ?? 1];
  if (step === 0) throw new Error(`${call}: expected a step other than 0`);
  const length = step > 0 ? Math.ceil((stop - start) / step) : Math.ceil((start - stop) / -step);
  meter.items(call, Math.max(0, length));
  const out: number[] = [];
  for (let i = 0, value = start; i < length; i++, value += step) out.push(value);
  return out;
}

/** The globals of one render, metered by `meter`, with `now` behind strftime_now. */
export function templateGlobals(meter: RenderMeter, now: () => Date): Record<string, unknown> {
  return {
    false: false,
    true: true,
    none: null,
    False: false,
    True: true,
    None: null,
    range: (...args: unknown[]) => boundedRange(meter, args),
    raise_exception: (message: unknown) => {
      throw new TemplateRaised(String(message));
    },
    strftime_now: (format: unknown) => {
      if (typeof format !== 'string') {
        throw new Error(`strftime_now: expected a format string, got ${describeArgument(format)}`);
      }
      return strftime(now(), format);
    },
  };
}
