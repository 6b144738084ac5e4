// Which linears an adapter wraps and with what rank and alpha, as PEFT decides it (tuners_utils.py
// check_target_module_exists, _maybe_include_all_linear_layers, _find_minimal_target_modules; utils/other.py
// get_pattern_key). Python regexes run as JS RegExp with re.match / re.fullmatch anchoring.
import type { LoraConfig } from './config.js';
import { LoraConfigError, TargetModulesError } from './errors.js';

/**
 * What a model tells PEFT about its architecture (a @lora/models CausalLM has it as `adapterDefaults`, from its
 * architecture spec): PEFT's default target modules for its model_type, whether its linears are Conv1D
 * (fan_in_fan_out), and mlx-lm's default keys.
 */
export interface AdapterDefaults {
  /** config.json model_type, for messages */
  modelType: string;
  /** TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING[model_type]: used when target_modules is null */
  targetModules: readonly string[];
  /** the linears are transformers Conv1D: PEFT sets fan_in_fan_out = true in the config it saves */
  fanInFanOut: boolean;
  /** mlx-lm's default lora_parameters.keys */
  mlxKeys: readonly string[];
}

/** A model's `adapterDefaults`, when it has them (duck-typed: peft does not depend on @lora/models). */
export function adapterDefaultsOf(model: unknown): AdapterDefaults | undefined {
  const d = (model as { adapterDefaults?: AdapterDefaults } | undefined)?.adapterDefaults;
  return d && typeof d.modelType === 'string' && Array.isArray(d.targetModules) ? d : undefined;
}

/** PEFT's MIN_TARGET_MODULES_FOR_OPTIMIZATION: from this many entries target_modules is condensed to suffixes. */
export const MIN_TARGET_MODULES_FOR_OPTIMIZATION = 20;

const regexCache = new Map<string, RegExp>();

/** A Python `re` pattern as a JS RegExp ((?P<name>…) and (?P=name) translated), anchored like re.match / re.fullmatch. */
export function pythonRegex(pattern: string, mode: 'match' | 'fullmatch'): RegExp {
  const id = `${mode}\u0000${pattern}`;
  let re = regexCache.get(id);
  if (!re) {
    const js = pattern.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
    try {
      re = new RegExp(mode === 'match' ? `^(?:${js})` : `^(?:${js})$`);
    } catch (cause) {
      throw new LoraConfigError(
        `regex ${JSON.stringify(pattern)}: expected a valid regular expression, got ${(cause as Error).message}`,
        { cause },
      );
    }
    regexCache.set(id, re);
  }
  return re;
}

/** get_pattern_key: the first pattern key (in order) such that re.match(rf"(.*\.)?({key})$", name), else `name`. */
export function getPatternKey(patternKeys: Iterable<string>, name: string): string {
  for (const key of patternKeys) if (pythonRegex(`(.*\\.)?(${key})$`, 'match').test(name)) return key;
  return name;
}

/** The rank and alpha PEFT's LoraModel._create_and_replace gives module `name`. */
export function rankAndAlpha(config: LoraConfig, name: string): { r: number; alpha: number } {
  const rKey = getPatternKey(Object.keys(config.rank_pattern), name);
  const alphaKey = getPatternKey(Object.keys(config.alpha_pattern), name);
  return {
    r: config.rank_pattern[rKey] ?? config.r,
    alpha: config.alpha_pattern[alphaKey] ?? config.lora_alpha,
  };
}

/** The layer index PEFT reads from a module name, or undefined when the name has none for these patterns. */
export function layerIndexOf(name: string, layersPattern: string[] | string | null): number | undefined {
  const patterns =
    layersPattern === null || layersPattern.length === 0
      ? []
      : typeof layersPattern === 'string'
        ? [layersPattern]
        : layersPattern;
  const regexes =
    patterns.length === 0
      ? [pythonRegex('.*\\.[^.]*\\.(\\d+)\\.', 'match')]
      : patterns.map((p) => pythonRegex(`.*\\.${p}\\.(\\d+)\\.`, 'match'));
  for (const re of regexes) {
    const m = re.exec(name);
    if (m) return Number(m[m.length - 1]);
  }
  return undefined;
}

/** check_target_module_exists: true, false, or 'excluded' (exclude_modules or modules_to_save matched first). */
export function checkTargetModuleExists(config: LoraConfig, name: string): boolean | 'excluded' {
  const ex = config.exclude_modules;
  if (ex !== null && ex.length > 0) {
    if (
      typeof ex === 'string'
        ? pythonRegex(ex, 'fullmatch').test(name)
        : ex.includes(name) || ex.some((e) => name.endsWith(`.${e}`))
    ) {
      return 'excluded';
    }
  }
  if (config.modules_to_save?.some((m) => pythonRegex(`(^|.*\\.)${m}($|\\..*)`, 'match').test(name)))
    return 'excluded';
  const tm = config.target_modules;
  if (tm === null) return false;
  if (typeof tm === 'string') return pythonRegex(tm, 'fullmatch').test(name);
  if (tm.includes(name)) return true;
  let found = tm.some((t) => name.endsWith(`.${t}`));
  const lt = config.layers_to_transform;
  const usingLayers = lt !== null && (Array.isArray(lt) ? lt.length !== 0 : true);
  if (usingLayers && found) {
    const index = layerIndexOf(name, config.layers_pattern);
    found = index !== undefined && (Array.isArray(lt) ? lt.includes(index) : index === lt);
  }
  return found;
}

/** Dot-suffixes of a name, shortest first: "a.b.c" → ["c", "b.c", "a.b.c"]. */
function suffixes(name: string): string[] {
  const parts = name.split('.');
  return parts.map((_, i) => parts.slice(i).join('.')).reverse();
}

/** _find_minimal_target_modules: a small set of suffixes that selects the targets and none of the other names. */
export function findMinimalTargetModules(targets: Iterable<string>, others: Iterable<string>): string[] {
  const targetSet = new Set(targets);
  const otherSuffixes = new Set<string>();
  for (const o of others) for (const s of suffixes(o)) otherSuffixes.add(s);
  const required = new Set<string>();
  const items = [...targetSet].map((t) => [t, suffixes(t)] as const);
  items.sort((a, b) => compareLists(a[1], b[1]));
  for (const [item, sfx] of items) {
    for (const s of sfx) {
      if (required.has(s) || otherSuffixes.has(s)) continue;
      if (![...required].some((r) => item.endsWith(`.${r}`))) {
        required.add(s);
        break;
      }
    }
  }
  return required.size === 0 ? [...targetSet] : [...required];
}

/** Python list comparison of lists of strings (lexicographic, by code unit, which equals code point for BMP text). */
function compareLists(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length - b.length;
}

/** Options of `planTargets`: the model's adapter defaults, and what `all-linear` leaves out. */
export interface TargetPlanOptions {
  /** the model's architecture defaults: PEFT's targets when target_modules is null, Conv1D's fan_in_fan_out */
  defaults?: AdapterDefaults;
  /** linears "all-linear" leaves out (PEFT leaves out the output embedding); default ["lm_head"] */
  outputModules?: readonly string[];
}

/** Which linears get LoRA, with their rank and alpha, and the config as PEFT stores it after injection. */
export interface TargetPlan {
  /** the config as PEFT stores it after injection (target_modules resolved for null / "all-linear" / condensing) */
  config: LoraConfig;
  /** the wrapped linears in model order, with PEFT's per-module rank and alpha (and a scaling that overrides α/r) */
  targets: { name: string; r: number; alpha: number; scaling?: number }[];
}

/** Resolve `config` against a model's linear names exactly as PEFT's inject_adapter does, or throw TargetModulesError. */
export function planTargets(
  linearNames: readonly string[],
  config: LoraConfig,
  options: TargetPlanOptions = {},
): TargetPlan {
  let resolved: LoraConfig = { ...config };
  if (resolved.target_modules === null) {
    const defaults = options.defaults?.targetModules;
    if (!defaults || defaults.length === 0) {
      throw new TargetModulesError(
        `target_modules: expected a list, a regex or "all-linear" (no PEFT default for model type ${JSON.stringify(options.defaults?.modelType ?? null)}); ` +
          `the model's linears are: ${linearNames.join(', ')}`,
      );
    }
    resolved.target_modules = [...defaults];
  }
  const allNames = withParents(linearNames);
  if (typeof resolved.target_modules === 'string' && resolved.target_modules.toLowerCase() === 'all-linear') {
    // PEFT's _maybe_include_all_linear_layers: the base names of every linear, less the output embedding's name
    const exclude = new Set(options.outputModules ?? ['lm_head']);
    const baseNames = new Set(linearNames.map((n) => n.slice(n.lastIndexOf('.') + 1)));
    resolved.target_modules = [...baseNames].filter((n) => !exclude.has(n)).sort();
  }
  const tm = resolved.target_modules;
  if (Array.isArray(tm) && tm.length >= MIN_TARGET_MODULES_FOR_OPTIMIZATION) {
    const sfx = tm.map((t) => `.${t}`);
    const others = allNames.filter((n) => !tm.includes(n) && !sfx.some((s) => n.endsWith(s)));
    const condensed = findMinimalTargetModules(tm, others);
    if (condensed.length < tm.length) resolved = { ...resolved, target_modules: condensed.sort() };
  }
  const targets: TargetPlan['targets'] = [];
  let excluded = 0;
  for (const name of linearNames) {
    const hit = checkTargetModuleExists(resolved, name);
    if (hit === 'excluded') excluded++;
    else if (hit) targets.push({ name, ...rankAndAlpha(resolved, name) });
  }
  if (targets.length === 0) throw new TargetModulesError(noMatchMessage(resolved, linearNames, excluded));
  // Conv1D linears (GPT-2's): PEFT's dispatch_default warns and sets fan_in_fan_out = True in the config it saves
  if (
    options.defaults?.fanInFanOut &&
    !resolved.fan_in_fan_out &&
    targets.some((t) => t.name !== 'lm_head')
  ) {
    resolved = { ...resolved, fan_in_fan_out: true };
  }
  return { config: resolved, targets };
}

/** Every linear name and its dot-prefixes (the parent modules PEFT's named_modules also lists). */
function withParents(names: readonly string[]): string[] {
  const all = new Set<string>();
  for (const n of names) {
    const parts = n.split('.');
    for (let i = 1; i <= parts.length; i++) all.add(parts.slice(0, i).join('.'));
  }
  return [...all];
}

function noMatchMessage(config: LoraConfig, names: readonly string[], excluded: number): string {
  const linears = `; the model's linears are: ${names.join(', ')}`;
  const layers =
    (config.layers_to_transform !== null
      ? ` Note: You specified 'layers_to_transform': ${JSON.stringify(config.layers_to_transform)}.`
      : '') +
    (config.layers_pattern !== null
      ? ` You also specified 'layers_pattern': ${JSON.stringify(config.layers_pattern)}.`
      : '');
  if (excluded > 0 && excluded === names.length) {
    return `All modules were excluded: expected target_modules to select some linear not in exclude_modules / modules_to_save${linears}`;
  }
  if (excluded > 0) {
    return `No modules were targeted for adaptation: target_modules ${JSON.stringify(config.target_modules)} matched only excluded modules.${layers}${linears}`;
  }
  return `Target modules ${JSON.stringify(config.target_modules)} not found in the base model: expected a name or ".<suffix>" of one of the model's linears.${layers}${linears}`;
}
