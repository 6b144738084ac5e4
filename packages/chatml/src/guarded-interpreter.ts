// @huggingface/jinja's Interpreter, metered from the inside. Every node the interpreter evaluates passes through
// `evaluate`, so the override reads the clock, counts loop iterations (a marker node heads each loop body), counts
// the characters each output statement writes, bounds macro nesting, checks every value's size, hardens functions
// against printing, and notes the line of the innermost statement an error passes through.
import { Interpreter } from '@huggingface/jinja';
import type { RenderMeter } from './template-budget.js';
import { countItems, countLines, countSplitParts } from './template-measures.js';
import { bodiesOf, type JinjaNode, STATEMENT_TYPES } from './template-source-map.js';
import {
  HostValueError,
  hardenFunction,
  type JinjaFunctionValue,
  type JinjaValue,
  ValueGuard,
} from './template-values.js';

/** A scope of the library's interpreter (its Environment): opaque here but for its own variables. */
export interface JinjaScope {
  variables: Map<string, JinjaValue>;
}

/**
 * The library's Interpreter as far as it is used here (its published types do not resolve under NodeNext, so they
 * are stated here): `evaluate` is the one method every node goes through.
 */
interface JinjaInterpreter {
  run(program: JinjaNode): JinjaValue;
  evaluate(statement: JinjaNode | undefined, scope: JinjaScope): JinjaValue;
}
const InterpreterBase = Interpreter as unknown as new (scope: JinjaScope) => JinjaInterpreter;

/** What the interpreter does at a node besides evaluating it. */
interface NodeMeta {
  line?: number;
  /** A loop-body marker or a loop filter's test: one iteration. */
  tick?: true;
  /** A statement whose value is written out. */
  output?: true;
  /** A macro definition: its function gets the depth count. */
  macro?: string;
  /** A call: names the callee when it is not a function. */
  callee?: string;
  /** `x.split`: the split is measured before it runs. */
  split?: true;
  /** The operand of an `indent(...)` or `tojson(indent=...)` filter: kept for measuring the indented result. */
  operandOf?: JinjaNode;
  /** The width argument of such a filter: checked against the operand before the filter runs. */
  width?: { filter: JinjaNode; kind: 'indent' | 'tojson' };
}

/** A parsed program with its loop markers in place and what happens at each node. */
export interface MeteredProgram {
  program: JinjaNode;
  meta: ReadonlyMap<JinjaNode, NodeMeta>;
}

/** How a node reads in a message (`namespace`, `messages[0].content`), when it is a name or a member of one. */
function nameOf(node: JinjaNode): string | undefined {
  const n = node as unknown as Record<string, unknown>;
  if (node.type === 'Identifier') return String(n.value);
  if (node.type === 'MemberExpression') {
    const object = nameOf(n.object as JinjaNode);
    const property = n.property as { type: string; value: unknown };
    if (object === undefined) return undefined;
    if (!n.computed && property.type === 'Identifier') return `${object}.${String(property.value)}`;
    if (property.type === 'IntegerLiteral') return `${object}[${String(property.value)}]`;
    if (property.type === 'StringLiteral') return `${object}[${JSON.stringify(property.value)}]`;
  }
  return undefined;
}

/** The width argument of an `indent(...)` or `tojson(indent=...)` filter call, if it has one. */
function widthArgument(filter: JinjaNode): { node: JinjaNode; kind: 'indent' | 'tojson' } | undefined {
  const call = filter as unknown as { callee?: { type: string; value: unknown }; args?: JinjaNode[] };
  if (filter.type !== 'CallExpression' || call.callee?.type !== 'Identifier') return undefined;
  const kind = call.callee.value;
  if (kind !== 'indent' && kind !== 'tojson') return undefined;
  const args = call.args ?? [];
  const keyword = kind === 'indent' ? 'width' : 'indent';
  const named = args.find(
    (a) =>
      a.type === 'KeywordArgumentExpression' &&
      (a as unknown as { key: { value: unknown } }).key.value === keyword,
  );
  if (named !== undefined) return { node: (named as unknown as { value: JinjaNode }).value, kind };
  const first = args[0];
  if (
    kind === 'indent' &&
    first !== undefined &&
    !first.type.endsWith('ArgumentExpression') &&
    first.type !== 'SpreadExpression'
  ) {
    return { node: first, kind };
  }
  return undefined;
}

/** Every node under `node` (expressions included), each once. */
function* nodesUnder(node: unknown): Generator<JinjaNode> {
  if (Array.isArray(node)) {
    for (const item of node) yield* nodesUnder(item);
  } else if (node instanceof Map) {
    for (const [key, value] of node) {
      yield* nodesUnder(key);
      yield* nodesUnder(value);
    }
  } else if (typeof node === 'object' && node !== null && typeof (node as JinjaNode).type === 'string') {
    yield node as JinjaNode;
    for (const value of Object.values(node)) if (typeof value === 'object') yield* nodesUnder(value);
  }
}

/**
 * Marks `program` for metering: each body statement gets its line (from `lines`), output statements are flagged,
 * and each loop body starts with a marker node. Changes `program` in place.
 */
export function meterProgram(program: JinjaNode, lines: ReadonlyMap<JinjaNode, number>): MeteredProgram {
  const meta = new Map<JinjaNode, NodeMeta>();
  const at = (node: JinjaNode) => {
    let m = meta.get(node);
    if (m === undefined) meta.set(node, (m = {}));
    return m;
  };
  for (const node of nodesUnder(program)) {
    const n = node as unknown as Record<string, unknown>;
    if (node.type === 'CallExpression') {
      at(node).callee = nameOf(n.callee as JinjaNode) ?? 'a value';
    } else if (node.type === 'MemberExpression' && !n.computed) {
      const property = n.property as { type: string; value: unknown };
      if (property.type === 'Identifier' && property.value === 'split') at(node).split = true;
    } else if (node.type === 'Macro') {
      at(node).macro = String((n.name as { value: unknown }).value);
    } else if (node.type === 'FilterExpression') {
      const width = widthArgument(n.filter as JinjaNode);
      if (width !== undefined) {
        at(n.operand as JinjaNode).operandOf = node;
        at(width.node).width = { filter: node, kind: width.kind };
      }
    }
    for (const body of bodiesOf(node)) {
      for (const statement of body) {
        const line = lines.get(statement);
        if (line !== undefined) at(statement).line = line;
        if (!STATEMENT_TYPES.has(statement.type)) at(statement).output = true;
      }
    }
  }
  for (const node of nodesUnder(program)) {
    if (node.type !== 'For') continue;
    const line = lines.get(node);
    // A comment evaluates to nothing and is written as nothing: the interpreter runs it once per iteration.
    const tick: JinjaNode = { type: 'Comment' };
    meta.set(tick, line === undefined ? { tick: true } : { tick: true, line });
    const loop = node as unknown as { body: JinjaNode[]; iterable: { type: string; test?: JinjaNode } };
    (loop.body ??= []).unshift(tick);
    // `for x in xs if test`: the test runs once per item before any body does, and counts as an iteration too.
    if (loop.iterable.type === 'SelectExpression' && loop.iterable.test !== undefined) {
      const test = at(loop.iterable.test);
      test.tick = true;
      if (line !== undefined) test.line ??= line;
    }
  }
  return { program, meta };
}

/** Errors the interpreter has placed on a line (by the innermost statement they passed through). */
export type ErrorLines = WeakMap<object, number>;

export class GuardedInterpreter extends InterpreterBase {
  readonly lines: ErrorLines = new WeakMap();
  readonly #meta: ReadonlyMap<JinjaNode, NodeMeta>;
  readonly #meter: RenderMeter;
  readonly #values: ValueGuard;
  readonly #measuredSplits = new WeakSet<object>();
  /** The latest operand of each width-taking filter, until its width is checked. */
  readonly #operands = new Map<JinjaNode, JinjaValue>();

  constructor(scope: JinjaScope, metered: MeteredProgram, meter: RenderMeter) {
    super(scope);
    this.#meta = metered.meta;
    this.#meter = meter;
    this.#values = new ValueGuard(meter);
  }

  override evaluate(statement: JinjaNode | undefined, environment: JinjaScope): JinjaValue {
    if (statement === undefined) return super.evaluate(statement, environment);
    this.#meter.step();
    const meta = this.#meta.get(statement);
    if (meta === undefined) return this.#values.check(super.evaluate(statement, environment));
    try {
      if (meta.tick) this.#meter.iteration();
      const value = this.#values.check(
        meta.split ? this.#evaluateSplit(statement, environment) : super.evaluate(statement, environment),
      );
      if (meta.macro !== undefined) this.#meterMacro(meta.macro, environment);
      if (meta.output) this.#write(value, statement);
      if (meta.operandOf !== undefined) this.#operands.set(meta.operandOf, value);
      if (meta.width !== undefined) this.#checkWidth(value, meta.width);
      return value;
    } catch (error) {
      throw this.#place(error, meta);
    }
  }

  /** Note the line on `error`, and name the callee when a call found no function. */
  #place(error: unknown, meta: NodeMeta): unknown {
    if (typeof error !== 'object' || error === null) return error;
    let placed = error;
    const message = (error as Error).message;
    if (meta.callee !== undefined && !this.lines.has(error) && typeof message === 'string') {
      const got = /^Cannot call something that is not a function: got (\w+)$/.exec(message)?.[1];
      if (got !== undefined) {
        placed = new Error(`cannot call ${meta.callee}: expected a function, got ${got}`, { cause: error });
      }
    }
    if (meta.line !== undefined && !this.lines.has(placed)) this.lines.set(placed, meta.line);
    return placed;
  }

  #write(value: JinjaValue, node: JinjaNode): void {
    if (value.type === 'NullValue' || value.type === 'UndefinedValue') return;
    if (value.type === 'FunctionValue') {
      throw new HostValueError(`cannot print ${nameOf(node) ?? 'this value'}: expected text, got a function`);
    }
    this.#meter.write(
      value.type === 'StringValue' ? (value.value as string).length : value.toString().length,
    );
  }

  /**
   * An indent width is multiplied by every line (`indent`) or item (`tojson`) of the operand: refuse a width that
   * would make the result longer than the output budget, before the filter builds it.
   */
  #checkWidth(value: JinjaValue, width: { filter: JinjaNode; kind: 'indent' | 'tojson' }): void {
    const operand = this.#operands.get(width.filter);
    this.#operands.delete(width.filter);
    if (value.type !== 'IntegerValue' || (value.value as number) <= 0) return;
    const w = value.value as number;
    const cap = this.#meter.budget.maxOutputChars;
    const stop = Math.floor(cap / w) + 1;
    const times =
      operand === undefined
        ? 1
        : width.kind === 'indent'
          ? countLines(operand, stop)
          : countItems(operand, stop);
    this.#meter.value(
      `the result of ${width.kind === 'indent' ? `indent(${w})` : `tojson(indent=${w})`}`,
      times * w,
    );
  }

  /** The macro just defined counts its nesting when called. */
  #meterMacro(name: string, environment: JinjaScope): void {
    const fn = environment.variables.get(name);
    if (fn?.type !== 'FunctionValue') return;
    const macro = fn as JinjaFunctionValue;
    const call = macro.value;
    const meter = this.#meter;
    macro.value = (args, scope) => {
      meter.enterMacro(name);
      try {
        return call(args, scope);
      } finally {
        meter.exitMacro();
      }
    };
    hardenFunction(macro);
  }

  /**
   * `x.split`, looked up as the library looks up a member (own key of a mapping, else a builtin); on a string the
   * builtin first counts its parts and refuses a split longer than the loop budget before building it.
   */
  #evaluateSplit(node: JinjaNode, environment: JinjaScope): JinjaValue {
    const object = this.evaluate((node as unknown as { object: JinjaNode }).object, environment);
    const own =
      object.value instanceof Map ? (object.value as Map<string, JinjaValue>).get('split') : undefined;
    const found = own ?? object.builtins.get('split');
    if (found === undefined) return super.evaluate(undefined, environment); // undefined, as the library gives
    if (
      own === undefined &&
      object.type === 'StringValue' &&
      found.type === 'FunctionValue' &&
      !this.#measuredSplits.has(found)
    ) {
      this.#measuredSplits.add(found);
      const split = found as JinjaFunctionValue;
      const run = split.value;
      const text = object.value as string;
      const meter = this.#meter;
      split.value = (args, scope) => {
        const maxsplit = args[1];
        const limit =
          maxsplit?.type === 'IntegerValue' && (maxsplit.value as number) >= 0
            ? (maxsplit.value as number) + 1
            : Infinity;
        const most = meter.budget.maxLoopIterations;
        const parts = countSplitParts(text, args[0], Math.min(limit, most + 1));
        meter.items(`split() of a ${text.length}-character string`, parts, 'at least');
        return run(args, scope);
      };
    }
    return found;
  }
}
