// lora prepare: several dataset files → sampled, merged, shuffled, split train.jsonl / eval.jsonl (prepareDatasets).
import { type PrepareSource, prepareDatasets } from '@lora/datasets';
import { where } from '../config-file.js';
import { parseSource, sourceOptions } from '../data-source.js';
import { ConfigError, UsageError } from '../errors.js';
import { printer } from '../io.js';
import { claimOutput, existingPolicy } from '../output-guard.js';
import { fillSources } from '../template-vars.js';
import type { PrepareOptions } from '../verb-options.js';
import type { CommandContext } from '../verbs.js';

export async function prepareCommand({ io, opts, options }: CommandContext<PrepareOptions>): Promise<number> {
  const { out } = printer(io);
  const sources: PrepareSource[] = [];
  const labels: string[] = [];
  const rawSources = opts.sources;
  if (rawSources !== undefined) {
    const config = options.config!;
    const label = where(config, 'sources');
    if (!Array.isArray(rawSources) || rawSources.length === 0) {
      throw new ConfigError(
        `${label}: sources: expected a list of { path, … } mappings, got ${typeof rawSources}`,
      );
    }
    for (const [i, raw] of rawSources.entries()) {
      sources.push(parseSource(raw, i, label, config.dir));
      labels.push(`${label}: sources[${i}].path`);
    }
  }
  const { data, sample } = opts;
  if (data !== undefined)
    sources.push({ path: data, ...sourceOptions(opts), ...(sample !== undefined && { sample }) });
  if (sources.length === 0)
    throw new UsageError('lora prepare: expected --data FILE or a config with sources:, got neither');
  const outDir = options.require('output');
  const { eval_ratio: evalRatio, eval_size: evalSize } = opts;
  if (evalRatio !== undefined && evalSize !== undefined) {
    throw new UsageError(
      `lora prepare: expected ${options.label('eval_ratio')} or ${options.label('eval_size')}, got both`,
    );
  }
  const inputs = sources.map((source, i) => {
    const label = i < labels.length ? labels[i]! : options.label('data');
    return [label, source.path] as const;
  });
  // refused before the output is claimed: a placeholder without a value
  const filled = await fillSources(sources, opts.template_vars ?? {}, options.label('template_vars'));
  if (opts.template_vars !== undefined && filled.filled === 0)
    out(`note: ${options.label('template_vars')}: no source holds a {{…}} placeholder; nothing filled`);
  try {
    const claim = await claimOutput({
      verb: 'prepare',
      output: outDir,
      outputLabel: options.label('output'),
      outputFromConfig: options.source('output') === 'config',
      inputs,
      runFiles: ['train.jsonl', 'eval.jsonl'],
      existing: existingPolicy(opts.overwrite, false),
      out,
    });
    try {
      await prepareInto(filled.sources, outDir, opts, out);
    } finally {
      await claim.release();
    }
  } finally {
    await filled.cleanup();
  }
  return 0;
}

/** Merge, sample, shuffle and split `sources` into the claimed `outDir`, saying what each source gave. */
async function prepareInto(
  sources: PrepareSource[],
  outDir: string,
  opts: PrepareOptions,
  out: (line: string) => void,
): Promise<void> {
  const { eval_ratio: evalRatio, eval_size: evalSize } = opts;
  const stats = await prepareDatasets({
    sources,
    outDir,
    seed: opts.seed,
    ...(evalRatio !== undefined && { evalRatio }),
    ...(evalSize !== undefined && { evalSize }),
  });
  for (const s of stats.sources) {
    const skipped = s.skipped.map((k) => `${k.count} skipped (${k.reason})`).join(', ');
    out(
      `${s.name}: ${s.records} records, ${s.examples} examples as ${s.format}, ${s.used} used${skipped ? `, ${skipped}` : ''}`,
    );
  }
  out(`wrote ${stats.train} train examples to ${stats.files.train}`);
  if (stats.files.eval) out(`wrote ${stats.eval} eval examples to ${stats.files.eval}`);
}
