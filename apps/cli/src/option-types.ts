// The value type of every option, inferred from its declaration in option-tables.ts: a verb's options become one
// typed object (`opts.lr: number`, `opts.quant: 'nf4' | 'fp4' | 'none'`, `opts.eval_data: string | undefined`) with no
// second list of types beside the declarations. Plain TypeScript inference over the `option()` declarations rather
// than zod or valibot: the spec already carries what a schema library would (type, range, choices, default) plus
// what none of them has (aliases with conversions, refused values with why, notes, --help arguments), and the
// messages are ours (file, line, key, alias as written), so a schema library would be a second declaration to
// translate into, not a replacement.
import type { OptionSpec } from './option-spec.js';

/** What a declaration's type (and choices) holds once coerced (options.ts `coerce`). */
type Declared<S extends OptionSpec> = S['type'] extends 'int' | 'number'
  ? number
  : S['type'] extends 'boolean'
    ? boolean
    : S['type'] extends 'choice'
      ? S extends { readonly choices: readonly (infer C)[] }
        ? C
        : string
      : S['type'] extends 'list'
        ? string[]
        : S['type'] extends 'object'
          ? unknown
          : S['type'] extends 'pairs'
            ? Record<string, string>
            : string;

/**
 * One option's value: its declared type; `| undefined` when it has no default (a boolean without one reads as
 * false, as a flag that was not given).
 */
export type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S extends { readonly default: NonNullable<unknown> }
    ? Declared<S>
    : Declared<S> | undefined;

/** The typed object of a list of declarations: key → value. */
export type OptionValues<S extends OptionSpec> = { readonly [D in S as D['key']]: OptionValue<D> };

type Groups = readonly (readonly OptionSpec[])[];
type KeysOf<G extends Groups> = G[number][number]['key'];

/** The declarations `merge(...groups)` keeps: each key's last one. */
export type Merged<G extends Groups> = G extends readonly [
  infer H extends readonly OptionSpec[],
  ...infer R extends Groups,
]
  ? Exclude<H[number], { key: KeysOf<R> }> | Merged<R>
  : never;

/** One list from several groups; a later group's declaration replaces an earlier one of the same key. */
export function merge<const G extends Groups>(...groups: G): Merged<G>[] {
  const byKey = new Map<string, OptionSpec>();
  for (const group of groups) for (const spec of group) byKey.set(spec.key, spec);
  // what Merged<G> says at the type level: the last declaration of each key
  return [...byKey.values()] as Merged<G>[];
}

/** The declarations of `keys` only. */
export function only<S extends OptionSpec, const K extends S['key']>(
  specs: readonly S[],
  keys: readonly K[],
): Extract<S, { key: K }>[] {
  return specs.filter((s): s is Extract<S, { key: K }> => (keys as readonly string[]).includes(s.key));
}

/** The declarations of every key but `keys`. */
export function without<S extends OptionSpec, const K extends S['key']>(
  specs: readonly S[],
  keys: readonly K[],
): Exclude<S, { key: K }>[] {
  return specs.filter((s): s is Exclude<S, { key: K }> => !(keys as readonly string[]).includes(s.key));
}
