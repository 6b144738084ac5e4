// A model's weights as a Hugging Face state dict (transformers save_pretrained layout): dense f32, adapters and 4-bit
// bases merged through each linear's denseWeight(), GPT-2 Conv1D weights back to [in, out], tied lm_head omitted.
import { type F32, type LinearModule, toHost } from '@lora/core';
import type { TensorSpec } from './architectures/index.js';
import { ModelInputError } from './errors.js';
import { linearShape, transpose2d } from './weights.js';

/** One exported tensor: its shape and float32 values. */
export interface ExportedTensor {
  shape: number[];
  data: Float32Array;
}

/** The linear's dense weight and bias, read back to the host. */
async function denseOf(
  module: LinearModule,
  name: string,
): Promise<{ weight: Float32Array; bias: Float32Array | undefined }> {
  let dense: { weight: F32; bias: F32 | undefined };
  if (module.denseWeight) dense = module.denseWeight();
  else {
    const params = new Map(module.parameters().map((p) => [p.name, p.data]));
    const weight = params.get(`${name}.weight`);
    if (!weight)
      throw new ModelInputError(
        `exportWeights: linear "${name}" expected denseWeight() or a "${name}.weight" parameter, got neither`,
      );
    dense = { weight, bias: params.get(`${name}.bias`) };
  }
  return { weight: await toHost(dense.weight), bias: dense.bias ? await toHost(dense.bias) : undefined };
}

export async function exportModelWeights(
  specs: readonly TensorSpec[],
  linears: ReadonlyMap<string, LinearModule>,
  /** a dense parameter's values by name, on the host */
  parameter: (name: string) => Promise<Float32Array>,
): Promise<Map<string, ExportedTensor>> {
  const out = new Map<string, ExportedTensor>();
  const merged = new Map<string, { weight: Float32Array; bias: Float32Array | undefined }>();
  for (const spec of specs) {
    if (spec.role !== 'linear') {
      out.set(spec.name, { shape: [...spec.shape], data: await parameter(spec.name) });
      continue;
    }
    const module = spec.module!;
    let dense = merged.get(module);
    if (!dense) {
      dense = await denseOf(linears.get(module)!, module);
      merged.set(module, dense);
    }
    if (spec.kind === 'bias') {
      if (!dense.bias)
        throw new ModelInputError(
          `exportWeights: linear "${module}" expected a bias (the checkpoint has "${spec.name}"), got none`,
        );
      out.set(spec.name, { shape: [...spec.shape], data: Float32Array.from(dense.bias) });
      continue;
    }
    const [outF, inF] = linearShape(spec);
    const weight = Float32Array.from(dense.weight);
    out.set(spec.name, {
      shape: [...spec.shape],
      data: spec.conv1d ? transpose2d(weight, outF, inF) : weight,
    });
  }
  return out;
}
