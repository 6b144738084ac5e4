// The CLI reference, generated from the CLI's own declarations (apps/cli/src/verbs.ts and option-spec.ts, the
// tables `--help` is built from): one page per verb listing every flag and config key with its type, range,
// default and other names, so the pages cannot drift from `lora <verb> --help`. Read by relative path: the CLI is
// an app with no exports, and this is a build-time reader of its tables, not a runtime dependency.
import { written } from '../../apps/cli/src/option-names.js';
import { flagOf, type OptionSpec } from '../../apps/cli/src/option-spec.js';
import {
  COMMON_OPTIONS,
  DATA_OPTIONS,
  GENERATION_OPTIONS,
  LORA_OPTIONS,
  MODEL_OPTIONS,
  QUANT_OPTIONS,
  TRAINER_OPTIONS,
} from '../../apps/cli/src/option-tables.js';
import type { VerbDefinition } from '../../apps/cli/src/verbs.js';

/** The shared option groups of option-spec.ts, in the order a page shows them; a verb's own options come last. */
const GROUPS: readonly [string, readonly OptionSpec[]][] = [
  ['Common', COMMON_OPTIONS],
  ['Model', MODEL_OPTIONS],
  ['Training', TRAINER_OPTIONS],
  ['Data', DATA_OPTIONS],
  ['Quantization', QUANT_OPTIONS],
  ['LoRA', LORA_OPTIONS],
  ['Generation', GENERATION_OPTIONS],
];

const TYPE_WORDS: Record<OptionSpec['type'], string> = {
  string: 'text',
  path: 'path',
  int: 'integer',
  number: 'number',
  boolean: 'boolean',
  list: 'list',
  choice: 'choice',
  object: 'mapping (config only)',
  pairs: 'name=value pairs',
};

/** `[1, 4096]`, `(0, 1)`, `>= 0` — the range as the CLI's own error messages word it. */
export function rangeOf(spec: OptionSpec): string {
  const { min, max, exclusive } = spec;
  let range = '';
  if (min !== undefined && max !== undefined) range = exclusive ? `(${min}, ${max})` : `[${min}, ${max}]`;
  else if (min !== undefined) range = exclusive ? `> ${min}` : `>= ${min}`;
  else if (max !== undefined) range = exclusive ? `< ${max}` : `<= ${max}`;
  return spec.rule ? spec.rule.expected(range ? `in ${range}` : '').trim() : range;
}

const code = (text: string) => `\`${text.replace(/\|/g, '\\|')}\``;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\{\{/g, '{&#8203;{');

function shownDefault(spec: OptionSpec): string {
  if (spec.default === undefined) return spec.type === 'boolean' ? code('false') : '—';
  return code(Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default));
}

/** Options that are flags only: a config cannot name another config, nor turn on --debug. */
const FLAG_ONLY = new Set(['config', 'debug']);

/** The names an option answers to: its flags (with `--no-` when negatable), and its config key if it has one. */
export function namesOf(spec: OptionSpec): { flags: string[]; configKey: string | undefined } {
  const configKey = FLAG_ONLY.has(spec.key) ? undefined : spec.key;
  if (spec.configOnly) return { flags: [], configKey };
  const arg = spec.arg ?? (spec.type === 'int' || spec.type === 'number' ? 'n' : 'value');
  const flag = spec.type === 'boolean' ? flagOf(spec.key) : `${flagOf(spec.key)} <${arg}>`;
  const flags = [flag];
  if (spec.type === 'boolean' && spec.negatable) flags.push(flagOf(`no_${spec.key}`));
  return { flags, configKey };
}

/** The other names of an option as `--help` writes them: `--learning-rate`, or `datasets:` for a config-only key. */
export function aliasesOf(spec: OptionSpec): string[] {
  return (spec.aliases ?? []).map((alias) => written(alias.key, { spec, alias }));
}

function valueCell(spec: OptionSpec): string {
  if (spec.type === 'choice') {
    const refused = Object.keys(spec.refused ?? {});
    const choices = (spec.choices ?? []).map(code).join(', ');
    return `one of ${choices}${refused.length > 0 ? `; refused with a reason: ${refused.map(code).join(', ')}` : ''}`;
  }
  const range = rangeOf(spec);
  return range ? `${TYPE_WORDS[spec.type]} ${cell(range)}` : TYPE_WORDS[spec.type];
}

function optionRow(spec: OptionSpec): string {
  const { flags, configKey } = namesOf(spec);
  const key = configKey === undefined ? [] : [`${code(`${configKey}:`)} in a config`];
  const names = [...flags.map((f) => code(f)), ...key].join('<br>');
  const aliases = aliasesOf(spec);
  const also = aliases.length > 0 ? `<br>Also: ${aliases.map(code).join(', ')}` : '';
  return `| ${names} | ${valueCell(spec)} | ${shownDefault(spec)} | ${cell(spec.description)}${also} |`;
}

function optionTable(specs: readonly OptionSpec[]): string[] {
  return [
    '| flag / config key | value | default | what it does |',
    '|---|---|---|---|',
    ...specs.map(optionRow),
  ];
}

/** The options of `verb` by group, in the groups' order, each group's options in the verb's order. */
export function groupedOptions(verb: VerbDefinition): { title: string; specs: OptionSpec[] }[] {
  const taken = new Set<OptionSpec>();
  const groups: { title: string; specs: OptionSpec[] }[] = [];
  for (const [title, members] of GROUPS) {
    const specs = verb.options.filter((s) => members.includes(s) && !taken.has(s));
    for (const s of specs) taken.add(s);
    if (specs.length > 0) groups.push({ title, specs });
  }
  const own = verb.options.filter((s) => !taken.has(s));
  if (own.length > 0) groups.push({ title: `Options of lora ${verb.name}`, specs: own });
  return groups;
}

const HEADER = '<!-- generated by docs/scripts/cli-reference.ts from apps/cli/src/verbs.ts: do not edit -->';

/** The reference page of one verb. */
export function verbPage(verb: VerbDefinition): string {
  const usage = `lora ${verb.name} [options]${verb.args ? ` ${verb.args.name}` : ''}`;
  const lines = [
    HEADER,
    '',
    `# lora ${verb.name}`,
    '',
    `${cell(verb.summary.charAt(0).toUpperCase() + verb.summary.slice(1))}.`,
    '',
    '```sh',
    usage,
    '```',
    '',
  ];
  if (verb.args) lines.push(`\`${verb.args.name}\`: ${cell(verb.args.description)}.`, '');
  lines.push(
    'Every option is a flag and a config key (the flag in snake_case): flags override `--config`, which overrides',
    'the defaults. A boolean flag sets `true`; a config sets `true` or `false`. `lora ' +
      verb.name +
      ' --help` prints the same list.',
    '',
    '## Examples',
    '',
    '```sh',
    ...verb.examples,
    '```',
    '',
  );
  for (const group of groupedOptions(verb))
    lines.push(`## ${group.title}`, '', ...optionTable(group.specs), '');
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The index of the CLI reference: every verb with its summary. */
export function indexPage(verbs: readonly VerbDefinition[]): string {
  return [
    HEADER,
    '',
    '# The lora command',
    '',
    'One page per verb, generated from the tables `lora <verb> --help` is built from, so they list exactly the',
    'options the command takes.',
    '',
    '| verb | what it does |',
    '|---|---|',
    ...verbs.map((v) => `| [\`lora ${v.name}\`](${v.name}.md) | ${cell(v.summary)} |`),
    '',
    'Every verb takes `--config file.yml` (keys are the flags in snake_case; paths in it resolve against its folder)',
    'and `--debug` (the stack trace of an error). One config may hold the keys of several verbs: each verb takes its',
    'own and sets the others aside. The names Hugging Face, TRL, PEFT and axolotl use are accepted as well, as',
    'each page lists under "Also"; two names for one option in one config are refused.',
    '',
    'In a clone of the repository, `lora` is `node apps/cli/bin/lora.js`, or `npx -y pnpm@10 -s lora`',
    '(see [Quick start](../../guide/quick-start.md)).',
    '',
  ].join('\n');
}

/** Every page of the CLI reference by file name under reference/cli/. */
export function cliReferencePages(verbs: readonly VerbDefinition[]): Map<string, string> {
  const pages = new Map<string, string>([['index.md', indexPage(verbs)]]);
  for (const verb of verbs) pages.set(`${verb.name}.md`, verbPage(verb));
  return pages;
}
