// A Hugging Face model folder read from bytes, as transformers' from_pretrained reads it from disk: config.json
// (@lora/models parseModelConfig), tokenizer.json + tokenizer_config.json (@lora/tokenize Tokenizer.fromJSON), and
// model.safetensors or model.safetensors.index.json with its shards (@lora/safetensors parseSafetensors). The weights
// stay as their stored bytes; each build of the model (CausalLM.fromWeights) reads them again as f32.
import { CausalLM, type ModelConfig, parseModelConfig, type QuantizeOnLoad } from '@lora/models';
import { parseSafetensors, type SafetensorsBuffer } from '@lora/safetensors/browser';
import { Tokenizer } from '@lora/tokenize';
import { type ModelFiles, ModelFolderError, readJson, requireFile } from './model-files.js';

const INDEX = 'model.safetensors.index.json';
const SINGLE = 'model.safetensors';

export interface HfFolder {
  files: ModelFiles;
  config: ModelConfig;
  /** padding with EOS when the tokenizer has no pad token (as the CLI does) */
  tokenizer: Tokenizer;
  /** the weights by Hugging Face name, in their stored dtype */
  tensorNames: string[];
  /** bytes of the safetensors files */
  weightBytes: number;
  /** elements of every tensor */
  parameters: number;
  /** one weight as f32 (a new array), undefined for a name the checkpoint lacks */
  readF32(name: string): Float32Array | undefined;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function parseShard(bytes: Uint8Array, source: string): SafetensorsBuffer {
  try {
    return parseSafetensors(bytes, source);
  } catch (cause) {
    throw new ModelFolderError(`${source}: expected a safetensors file: ${message(cause)}`, { cause });
  }
}

/** Every tensor name → the shard holding it: model.safetensors, else the index's weight_map. */
async function openWeights(
  files: ModelFiles,
): Promise<{ owner: Map<string, SafetensorsBuffer>; bytes: number }> {
  const owner = new Map<string, SafetensorsBuffer>();
  const single = await files.read(SINGLE);
  if (single !== undefined) {
    const shard = parseShard(single, `${files.label}${SINGLE}`);
    for (const name of shard.tensorNames()) owner.set(name, shard);
    return { owner, bytes: single.length };
  }
  const index = (await readJson(files, INDEX, `${SINGLE} or ${INDEX} with its shards`)) as {
    weight_map?: unknown;
  };
  const map = index?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    throw new ModelFolderError(
      `${files.label}${INDEX}: weight_map expected an object of tensor name → shard file, got ${JSON.stringify(map) ?? 'nothing'}`,
    );
  const shards = new Map<string, SafetensorsBuffer>();
  let bytes = 0;
  for (const [tensor, file] of Object.entries(map as Record<string, unknown>)) {
    if (typeof file !== 'string' || file.includes('/'))
      throw new ModelFolderError(
        `${files.label}${INDEX}: weight_map[${JSON.stringify(tensor)}] expected a file name in the folder, got ${JSON.stringify(file)}`,
      );
    let shard = shards.get(file);
    if (!shard) {
      const data = await requireFile(files, file, `the shard ${INDEX} names for "${tensor}"`);
      shard = parseShard(data, `${files.label}${file}`);
      shards.set(file, shard);
      bytes += data.length;
    }
    if (!shard.has(tensor))
      throw new ModelFolderError(
        `${files.label}${file}: expected tensor "${tensor}" (${INDEX} puts it there), got a shard without it`,
      );
    owner.set(tensor, shard);
  }
  return { owner, bytes };
}

/** Read the folder: config, tokenizer, and the safetensors headers. Throws ModelFolderError naming the file. */
export async function readHfFolder(files: ModelFiles): Promise<HfFolder> {
  const configJson = await readJson(files, 'config.json', "the model's config");
  let config: ModelConfig;
  try {
    config = parseModelConfig(configJson, `${files.label}config.json`);
  } catch (cause) {
    throw new ModelFolderError(message(cause), { cause });
  }
  if (config.raw.quantization_config !== undefined)
    throw new ModelFolderError(
      `${files.label}config.json: expected a dense checkpoint (f32, f16 or bf16; the page quantizes it), got a quantization_config (4-bit checkpoints load with the CLI)`,
    );
  const tokenizerJson = await readJson(files, 'tokenizer.json', "the model's tokenizer");
  let tokenizer: Tokenizer;
  try {
    tokenizer = Tokenizer.fromJSON(
      tokenizerJson,
      await readJson(files, 'tokenizer_config.json'),
      await readJson(files, 'special_tokens_map.json'),
      configJson,
    );
  } catch (cause) {
    throw new ModelFolderError(`${files.label}tokenizer.json: ${message(cause)}`, { cause });
  }
  if (tokenizer.padTokenId === undefined && tokenizer.eosToken !== undefined)
    tokenizer = tokenizer.withPadToken(tokenizer.eosToken);
  const { owner, bytes } = await openWeights(files);
  let parameters = 0;
  for (const [name, shard] of owner) parameters += shard.info(name).shape.reduce((a, b) => a * b, 1);
  return {
    files,
    config,
    tokenizer,
    tensorNames: [...owner.keys()],
    weightBytes: bytes,
    parameters,
    readF32: (name) => owner.get(name)?.readF32(name),
  };
}

/** The model built from the folder's weights, its linears quantized to 4 bits while it is built when asked. */
export function buildModel(folder: HfFolder, quantize: QuantizeOnLoad | undefined): CausalLM {
  try {
    return CausalLM.fromWeights(folder.config, (name) => folder.readF32(name), {
      ...(quantize && { quantize }),
      source: `${folder.files.label}*.safetensors`,
    });
  } catch (cause) {
    throw new ModelFolderError(message(cause), { cause });
  }
}
