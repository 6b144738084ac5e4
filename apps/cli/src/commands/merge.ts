// lora merge: fold a LoRA adapter into its base and write a Hugging Face model folder (weights, config.json
// without quantization_config, tokenizer and generation files), saying which base weights it merged into.
import { copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { toHost } from '@lora/core';
import { mergeAndUnload } from '@lora/peft';
import { moveToBackend, selectBackend } from '../backend.js';
import { defaultRunPaths } from '../default-setup.js';
import { UsageError } from '../errors.js';
import { type InferenceTarget, inferenceTarget } from '../inference.js';
import { printer } from '../io.js';
import { claimOutput, existingPolicy, MODEL_FILES } from '../output-guard.js';
import { attachAdapter, inferenceQuant, loadModel } from '../session.js';
import type { MergeOptions } from '../verb-options.js';
import type { CommandContext } from '../verbs.js';
import { checkWritableWeights } from '../weight-range.js';

/** The files besides the weights that make a model folder usable (tokenizer, chat template, generation defaults). */
export const MODEL_SIDE_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'generation_config.json',
  'chat_template.json',
  'chat_template.jinja',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
  'added_tokens.json',
];

export async function copySideFiles(from: string, to: string): Promise<string[]> {
  const copied: string[] = [];
  for (const name of MODEL_SIDE_FILES) {
    if (!existsSync(join(from, name))) continue;
    await copyFile(join(from, name), join(to, name));
    copied.push(name);
  }
  return copied;
}

export async function mergeCommand(ctx: CommandContext<MergeOptions>): Promise<number> {
  const { io, opts, options } = ctx;
  const { out } = printer(io);
  const target = inferenceTarget(options, io.cwd, 'merge');
  const adapterDir = target.adapterDir;
  if (adapterDir === undefined) throw new UsageError('lora merge: expected --adapter DIR, got none');
  const output = opts.output ?? (target.embedded ? join(defaultRunPaths(io.cwd).root, 'merged') : undefined);
  if (output === undefined) throw new UsageError('lora merge: expected --output DIR, got none');
  const claim = await claimOutput({
    verb: 'merge',
    output,
    outputLabel: options.label('output'),
    outputFromConfig: options.source('output') === 'config',
    inputs: [
      [options.label('model'), target.modelDir],
      [options.label('adapter'), adapterDir],
    ],
    runFiles: [...MODEL_FILES, ...MODEL_SIDE_FILES],
    existing: existingPolicy(opts.overwrite, false),
    out,
  });
  try {
    return await mergeInto(ctx, target, adapterDir, output);
  } finally {
    await claim.release();
  }
}

/** Merge into the claimed `output` folder. */
async function mergeInto(
  { io, opts }: CommandContext<MergeOptions>,
  target: InferenceTarget,
  adapterDir: string,
  output: string,
): Promise<number> {
  const { out } = printer(io);
  out(await selectBackend(opts.backend));
  for (const note of target.notes) out(note);
  const into = opts.merge_into;
  const trained = inferenceQuant('auto', adapterDir);
  if (into === 'dequantized' && trained.quant === 'none') {
    throw new UsageError(
      `--merge-into dequantized: expected an adapter trained on a 4-bit base (its run_config.json says so), got ${adapterDir} without one: use --merge-into dense`,
    );
  }
  const quant = into === 'dequantized' ? trained.quant : 'none';
  const model = await loadModel(target.modelDir, quant, trained.doubleQuant ?? true);
  const dense = quant === 'none' ? undefined : await loadModel(target.modelDir, 'none', false);
  const lora = await attachAdapter(model, adapterDir);
  await moveToBackend(model);
  if (dense) await moveToBackend(dense);
  const originals = new Map<string, Float32Array>();
  for (const [name, linear] of dense?.linearModules() ?? []) {
    const weight = linear.denseWeight?.().weight;
    if (weight) originals.set(name, await toHost(weight));
  }
  const result = await mergeAndUnload(lora, { original: (name) => originals.get(name) });
  const kinds = new Set(result.modules.map((m) => m.mergedInto));
  const worst = Math.max(0, ...result.modules.map((m) => m.maxAbsDiffFromOriginal ?? 0));
  const what = kinds.has('dequantized')
    ? `the dequantized ${quant.toUpperCase()} weights of ${target.modelDir} (the base the adapter trained against; max |dequantized − original| = ${worst.toExponential(3)})`
    : `the original dense weights of ${target.modelDir}`;
  if (trained.quant !== 'none' && !kinds.has('dequantized')) {
    out(
      `note: the adapter was trained on a 4-bit ${trained.quant.toUpperCase()} base; --merge-into dequantized merges into those weights instead`,
    );
  }
  const dtype = opts.dtype;
  checkWritableWeights('merge', await model.exportWeights(), dtype); // refuse ±Inf/NaN before writing anything
  await model.save(output, { dtype });
  const copied = await copySideFiles(target.modelDir, output);
  out(`merged ${result.modules.length} LoRA layers from ${adapterDir} into ${what}`);
  out(
    `wrote ${output} (${dtype}; ${copied.length > 0 ? `copied ${copied.join(', ')}` : 'no tokenizer files to copy'})`,
  );
  return 0;
}
