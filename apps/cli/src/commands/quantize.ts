// lora quantize: a bitsandbytes-format 4-bit checkpoint — every linear but the output head as NF4/FP4 in
// @lora/quant-nf4's state-dict layout, every other tensor byte for byte as it was, quantization_config in
// config.json, tokenizer and generation files copied.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toHost } from '@lora/core';
import { CausalLM } from '@lora/models';
import {
  bnbQuantizationConfig,
  quantize4bit,
  quantizedBytes,
  quantizedToStateDict,
  type TensorRecord,
} from '@lora/quant-nf4';
import { openCheckpoint, type TensorInput, writeShardedCheckpoint } from '@lora/safetensors';
import { writeFileAtomic } from '../atomic.js';
import { UsageError } from '../errors.js';
import { printer } from '../io.js';
import { claimOutput, existingPolicy, MODEL_FILES } from '../output-guard.js';
import { requireModelDir } from '../session.js';
import { copySideFiles, MODEL_SIDE_FILES } from './merge.js';
import type { QuantizeOptions } from '../verb-options.js';
import type { CommandContext } from '../verbs.js';

/** bitsandbytes' absmax dtype follows the checkpoint's compute dtype. */
function storageDtype(torchDtype: unknown): 'float32' | 'bfloat16' | 'float16' {
  return torchDtype === 'bfloat16' || torchDtype === 'float16' ? torchDtype : 'float32';
}

export async function quantizeCommand(context: CommandContext<QuantizeOptions>): Promise<number> {
  const { io, opts, options } = context;
  const modelDir = options.require('model');
  const outputDir = options.require('output');
  requireModelDir(modelDir);
  const claim = await claimOutput({
    verb: 'quantize',
    output: outputDir,
    outputLabel: options.label('output'),
    outputFromConfig: options.source('output') === 'config',
    inputs: [[options.label('model'), modelDir]],
    runFiles: [...MODEL_FILES, ...MODEL_SIDE_FILES],
    existing: existingPolicy(opts.overwrite, false),
    out: printer(io).out,
  });
  try {
    return await quantizeInto(context, modelDir, outputDir);
  } finally {
    await claim.release();
  }
}

/** Quantize `modelDir` into the claimed `outputDir`. */
async function quantizeInto(
  { io, opts }: CommandContext<QuantizeOptions>,
  modelDir: string,
  outputDir: string,
): Promise<number> {
  const { out } = printer(io);
  const { quant_type: quantType, double_quant: doubleQuant, block_size: blocksize } = opts;
  const raw = JSON.parse(await readFile(join(modelDir, 'config.json'), 'utf8')) as Record<string, unknown>;
  if (raw.quantization_config !== undefined)
    throw new UsageError(
      `--model ${modelDir}: expected a dense model, got one with a quantization_config already`,
    );
  const model = await CausalLM.load(modelDir);
  const dtype = storageDtype(raw.torch_dtype ?? raw.dtype);
  const checkpoint = await openCheckpoint(modelDir);
  const tensors: Record<string, TensorInput | TensorRecord> = {};
  let before = 0;
  let after = 0;
  let quantized = 0;
  try {
    const linearWeights = new Map<string, string>();
    for (const name of model.linearModules().keys())
      if (name !== 'lm_head') linearWeights.set(`${name}.weight`, name);
    // GPT-2 checkpoints may name tensors without the "transformer." prefix
    const lookup = (tensor: string) =>
      linearWeights.get(tensor) ?? linearWeights.get(`transformer.${tensor}`);
    for (const tensor of checkpoint.tensorNames()) {
      const info = checkpoint.info(tensor);
      const bytes = await checkpoint.readRaw(tensor);
      before += bytes.byteLength;
      const module = lookup(tensor);
      if (module === undefined) {
        tensors[tensor] = { dtype: info.dtype, shape: info.shape, data: bytes };
        after += bytes.byteLength;
        continue;
      }
      const linear = model.linearModules().get(module)!;
      const weight = await toHost(linear.denseWeight!().weight); // (out, in): Conv1D weights are stored transposed too
      const q = quantize4bit(weight, [linear.outFeatures, linear.inFeatures], {
        quantType,
        doubleQuant,
        blocksize,
        dtype,
        name: tensor, // a NaN/Inf weight is refused naming it and its index
      });
      for (const [key, record] of Object.entries(quantizedToStateDict(tensor, q))) tensors[key] = record;
      after += quantizedBytes(q);
      quantized++;
    }
  } finally {
    await checkpoint.close();
  }
  if (quantized === 0)
    throw new UsageError(`--model ${modelDir}: expected linear weights to quantize, got none`);
  await mkdir(outputDir, { recursive: true });
  const { files } = await writeShardedCheckpoint(outputDir, tensors as Record<string, TensorInput>, {
    metadata: { format: 'pt' },
  });
  const config = {
    ...raw,
    quantization_config: bnbQuantizationConfig({
      quantType,
      doubleQuant,
      computeDtype: dtype,
      skipModules: null,
    }),
  };
  await writeFileAtomic(join(outputDir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const copied = await copySideFiles(modelDir, outputDir);
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(2)} MiB`;
  out(
    `quantized ${quantized} linear weights to ${quantType.toUpperCase()}${doubleQuant ? ' + double quant' : ''} (block size ${blocksize}); the output head and other tensors kept as they were`,
  );
  out(
    `wrote ${outputDir}: ${files.join(', ')} (${mib(before)} → ${mib(after)} of tensors)${copied.length > 0 ? `, copied ${copied.join(', ')}` : ''}`,
  );
  return 0;
}
