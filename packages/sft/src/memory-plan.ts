// Predicted peak memory (resident set) of a LoRA/QLoRA training run, by part: what the process holds when the base
// has loaded and while it trains, in the bytes the @lora JS runtime stores — f32 for every dense tensor,
// bitsandbytes' layout for 4-bit weights — from a model's shapes (@lora/models' memoryShapes(config), any
// architecture) and the run's settings. README "Memory planner" has the formulas and the runs they are held to.
import { type PlannedRowBlocks, planRowBlocks } from './memory-blocks.js';
import { RUNTIME_BYTES, TOKENIZER_BYTES_PER_TOKEN } from './memory-runtime.js';
import type { OptimizerName } from './optimizer.js';

/** One linear of a decoder layer: its name inside the layer ("self_attn.q_proj", "attn.c_attn", …) and shape. */
export interface LinearShape {
  name: string;
  inFeatures: number;
  outFeatures: number;
}

/** @lora/models' memoryShapes(config): f32 values per token and per attention score of a training step's buffers. */
export interface StepBuffers {
  keptPerToken: number;
  keptPerScore: number;
  sharedPerToken: number;
  sharedPerScore: number;
  outsidePerToken: number;
  checkpointPerToken: number;
  /** sliding-window attention: a sequence length above it keeps one (T, T) f32 mask; undefined = none */
  slidingWindow?: number;
}

/** What the planner needs to know of a model; @lora/models' memoryShapes(config) returns it for any architecture. */
export interface ModelShapes {
  architecture: string;
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  /** every linear of one decoder layer (all layers alike): what LoRA targets and 4-bit loading quantizes */
  layerLinears: readonly LinearShape[];
  /** elements of every other tensor (embeddings, norms, biases, lm_head), kept in f32 */
  denseElements: number;
  /** those tensors by Hugging Face name, for modulesToSave (optional otherwise) */
  denseTensors?: readonly { name: string; elements: number }[];
  /** elements of the output embedding, which the lm head multiplies by at once */
  lmHeadElements: number;
  /**
   * the output embedding's name (lm_head, or the tied input embedding): on a device with a largest array its row
   * blocks hold whole vocabChunk rows where one fits, as CausalLM keeps them; absent, planned as any other table
   */
  lmHeadTensor?: string;
  buffers: StepBuffers;
}

export type QuantKind = 'nf4' | 'fp4' | 'none';

export interface MemoryPlanInput {
  model: ModelShapes;
  quant: QuantKind;
  /** default false */
  doubleQuant?: boolean;
  /** default 64 */
  blocksize?: number;
  loraRank: number;
  /** names as PEFT matches them (a linear whose name is one, or ends with "." + one), or 'all-linear' */
  targetModules: readonly string[] | 'all-linear';
  /** > 0 keeps a dropped copy of each adapted input and its gradient; default 0 */
  loraDropout?: number;
  /** modules trained in full (PEFT's modules_to_save, e.g. embed_tokens): a module whose name ends with one */
  modulesToSave?: readonly string[];
  batchSize: number;
  /** tokens per sequence: the longest example, or the block length when packing */
  seqLen: number;
  /** default false */
  gradientCheckpointing?: boolean;
  /** vocabulary rows per logits tile; default vocabSize (whole logits rows) */
  vocabChunk?: number;
  /** what the process holds before the run (interpreter, modules, threads); default RUNTIME_BYTES, `lora train`'s */
  runtimeBytes?: number;
  /** the loaded tokenizer; default TOKENIZER_BYTES_PER_TOKEN · vocabSize */
  tokenizerBytes?: number;
  /**
   * float operands live on the JS heap, so the backend copies them into a staging area that grows to the largest
   * call and never shrinks (the wasm backend without its own memory: an unshared one); default false — the wasm
   * backend keeps them in its memory and stages only the 4-bit codes
   */
  stagesOperands?: boolean;
  /** the optimizer, whose state the plan counts; default 'adamw_torch' (two f32 moments per trained value) */
  optimizer?: PlannedOptimizer;
  /**
   * the device's largest array in bytes (a GPU's maxStorageBufferBindingSize): the embeddings and lm_head are planned
   * as row blocks within it, and a tensor that cannot fit is refused, naming it; default none (the host, wasm)
   */
  maxArrayBytes?: number;
}

/** The trainer's optimizers, by their state: two f32 moments, bitsandbytes' 8-bit blockwise moments, none (SGD). */
export type PlannedOptimizer = OptimizerName;

/** bitsandbytes' 8-bit optimizers: tensors below this many elements keep f32 moments (min_8bit_size). */
const MIN_8BIT_SIZE = 4096;
/** bitsandbytes' blockwise optimizer block: one f32 absmax per moment per 256 values. */
const OPTIMIZER_BLOCK = 256;

/** Bytes of optimizer state for trained tensors of these sizes (elements each). */
export function optimizerStateBytes(
  tensorSizes: readonly number[],
  optimizer: PlannedOptimizer = 'adamw_torch',
): number {
  if (optimizer === 'sgd') return 0;
  let bytes = 0;
  let blockwise = false;
  for (const n of tensorSizes) {
    const eightBit = optimizer === 'adamw_8bit' && n >= MIN_8BIT_SIZE;
    blockwise ||= eightBit;
    bytes += eightBit ? 2 * (n + F32 * Math.ceil(n / OPTIMIZER_BLOCK)) : 2 * F32 * n;
  }
  return bytes + (blockwise ? 2 * OPTIMIZER_BLOCK * F32 : 0); // + the two 256-entry dynamic maps
}

export interface MemoryParts {
  runtime: number;
  tokenizer: number;
  baseWeights: number;
  /** only while loading: a 4-bit weight's f32 copies as it is quantized */
  loadTransient: number;
  adapter: number;
  gradients: number;
  optimizer: number;
  activations: number;
  loraBuffers: number;
  logitsChunk: number;
  staging: number;
}

/** Parts held only while the base loads (the rest count in the training peak). */
export const LOAD_ONLY_PARTS: readonly (keyof MemoryParts)[] = ['loadTransient'];

export interface MemoryPlan {
  /** bytes by part */
  parts: MemoryParts;
  /** bytes when the base has loaded, and while training (every part but the load-only ones) */
  peaks: { load: number; training: number };
  /** bytes: the larger peak */
  total: number;
  counts: {
    baseParameters: number;
    quantizedParameters: number;
    adapterParameters: number;
    /** base parameters trained in full (modulesToSave): their gradients and moments count, their values already do */
    fullyTrainedParameters: number;
  };
  /** each dense tensor (embeddings, norms, lm_head) as the row blocks of the device's largest array it is kept in */
  rowBlocks: PlannedRowBlocks[];
  input: MemoryPlanInput;
}

export class MemoryPlanError extends Error {
  override name = 'MemoryPlanError';
  /** bytes needed (0 when the input itself was bad) */
  readonly needed: number;
  readonly available: number;
  constructor(message: string, needed = 0, available = 0) {
    super(message);
    this.needed = needed;
    this.available = available;
  }
}

const F32 = 4;

/**
 * Bytes of one 4-bit weight of `n` elements in bitsandbytes' layout: ceil(n/2) packed codes + the 16-entry f32
 * code + per-block absmax (f32), or with double quantization u8 per block + f32 per 256 blocks + the 256-entry
 * f32 nested code + an f32 offset. Equals @lora/quant-nf4's quantizedBytes.
 */
export function quantizedWeightBytes(n: number, blocksize = 64, doubleQuant = false): number {
  const blocks = Math.ceil(n / blocksize);
  const stats = doubleQuant ? blocks + Math.ceil(blocks / 256) * F32 + 256 * F32 + F32 : blocks * F32;
  return Math.ceil(n / 2) + 16 * F32 + stats;
}

/** Logits chunk (N, vocabChunk), its gradient, and six per-row f32 vectors of the chunked cross-entropy. */
export function logitsChunkBytes(tokens: number, vocabChunk: number): number {
  return F32 * (2 * tokens * vocabChunk + 6 * tokens);
}

/**
 * Whether a layer's linear `name` (e.g. `self_attn.q_proj`) is targeted by `target`, as PEFT matches a list entry:
 * equal, or a dotted suffix. A target that names a linear of one layer (`model.layers.3.self_attn.q_proj`) ends
 * with the layer's name for it; it counts here as the linear in every layer, so the plan errs high, never low.
 */
export function matchesTarget(name: string, target: string): boolean {
  return name === target || name.endsWith(`.${target}`) || target.endsWith(`.${name}`);
}

function fail(key: string, want: string, got: unknown): never {
  throw new MemoryPlanError(`planMemory ${key}: expected ${want}, got ${JSON.stringify(got)}`);
}

/** Elements of the dense tensors of modules named by `modulesToSave` (PEFT's suffix match on the module name). */
function fullyTrained(input: MemoryPlanInput): number {
  const names = input.modulesToSave ?? [];
  if (names.length === 0) return 0;
  const tensors = input.model.denseTensors ?? [];
  const moduleOf = (name: string) => name.slice(0, Math.max(0, name.lastIndexOf('.')));
  let elements = 0;
  for (const m of names) {
    const hits = tensors.filter((t) => moduleOf(t.name).endsWith(m));
    if (hits.length === 0)
      fail(
        'modulesToSave',
        `names of modules with parameters (e.g. ${moduleOf(tensors[0]?.name ?? 'embed_tokens.w')})`,
        m,
      );
    elements += hits.reduce((a, t) => a + t.elements, 0);
  }
  return elements;
}

function checkInput(input: MemoryPlanInput): LinearShape[] {
  const m = input?.model;
  if (!m || typeof m !== 'object' || !m.buffers)
    fail('model', "memory shapes (@lora/models' memoryShapes)", m);
  for (const key of ['vocabSize', 'hiddenSize', 'numLayers', 'numHeads', 'lmHeadElements'] as const)
    if (!Number.isInteger(m[key]) || m[key] <= 0) fail(`model.${key}`, 'an integer > 0', m[key]);
  if (!Array.isArray(m.layerLinears) || m.layerLinears.length === 0)
    fail('model.layerLinears', 'a non-empty list of linears', m.layerLinears);
  for (const key of ['loraRank', 'batchSize', 'seqLen'] as const)
    if (!Number.isInteger(input[key]) || input[key] <= 0) fail(key, 'an integer > 0', input[key]);
  if (!['nf4', 'fp4', 'none'].includes(input.quant)) fail('quant', "'nf4', 'fp4' or 'none'", input.quant);
  const bs = input.blocksize ?? 64;
  if (!Number.isInteger(bs) || bs < 32 || bs > 4096 || (bs & (bs - 1)) !== 0)
    fail('blocksize', 'a power of two from 32 to 4096', bs);
  const chunk = input.vocabChunk ?? m.vocabSize;
  if (!Number.isInteger(chunk) || chunk <= 0) fail('vocabChunk', 'an integer > 0', chunk);
  const limit = input.maxArrayBytes;
  if (limit !== undefined && (!Number.isInteger(limit) || limit <= 0))
    fail('maxArrayBytes', 'an integer > 0', limit);
  const targets = input.targetModules;
  if (targets === 'all-linear') return [...m.layerLinears];
  if (!Array.isArray(targets) || targets.length === 0)
    fail('targetModules', "a non-empty list or 'all-linear'", targets);
  const names = m.layerLinears.map((l) => l.name.split('.').at(-1)!);
  for (const t of targets)
    if (!m.layerLinears.some((l) => matchesTarget(l.name, t)))
      fail('targetModules', `names of ${m.architecture}'s linears (${[...new Set(names)].join(', ')})`, t);
  return m.layerLinears.filter((l) => targets.some((t) => matchesTarget(l.name, t)));
}

/** Predict a run's memory by part, its load and training peaks. Throws MemoryPlanError for bad input. */
export function planMemory(input: MemoryPlanInput): MemoryPlan {
  const adapted = checkInput(input);
  const full = fullyTrained(input);
  const m = input.model;
  const b = m.buffers;
  const { loraRank: r, batchSize: B, seqLen: T } = input;
  const [L, C, V] = [m.numLayers, m.hiddenSize, m.vocabSize];
  const N = B * T;
  const S = m.numHeads * B * T * T; // attention scores: one per head and query–key pair
  const quantized = input.quant !== 'none';
  const sizes = m.layerLinears.map((l) => l.inFeatures * l.outFeatures);
  const linearParams = sizes.reduce((a, n) => a + n, 0);
  const linearBytes = sizes.reduce(
    (a, n) =>
      a + (quantized ? quantizedWeightBytes(n, input.blocksize ?? 64, input.doubleQuant ?? false) : n * F32),
    0,
  );
  const adapterParameters = L * adapted.reduce((a, l) => a + r * (l.inFeatures + l.outFeatures), 0);
  const dropout = (input.loraDropout ?? 0) > 0;
  const layer = N * b.keptPerToken + S * b.keptPerScore;
  const kept = input.gradientCheckpointing ? L * N * b.checkpointPerToken + layer : L * layer;
  const windowMask = b.slidingWindow !== undefined && T > b.slidingWindow ? T * T : 0; // (T, T), all layers
  const chunk = Math.min(input.vocabChunk ?? V, V);
  const tile = Math.max(1, Math.min(N, Math.floor((N * chunk) / V))); // lm-head rows per tile
  // the largest call's operands: the lm head (its whole weight, a tile of logits and rows), or a dense linear
  const largest = Math.max(...sizes);
  const staged = Math.max(
    m.lmHeadElements + tile * (V + C),
    N * Math.max(...m.layerLinears.map((l) => l.inFeatures + l.outFeatures)) + (quantized ? 0 : largest),
    S + 2 * N * C, // the attention scores of the batch with its queries and keys
  );
  const largestQuantized = quantizedWeightBytes(largest, input.blocksize ?? 64, input.doubleQuant ?? false);
  const weightBytes = (l: LinearShape) =>
    quantized
      ? Math.ceil((l.inFeatures * l.outFeatures) / 2) // the 4-bit codes, the largest of a 4-bit weight's arrays
      : F32 * l.inFeatures * l.outFeatures;
  const { tables: rowBlocks, tooLarge } = planRowBlocks(m, weightBytes, input.maxArrayBytes, chunk);
  if (tooLarge.length > 0) {
    const t = tooLarge[0]!;
    throw new MemoryPlanError(
      `planMemory maxArrayBytes: tensor "${t.name}" needs ${t.bytes} bytes in one array, ${t.detail}, above the device's largest array of ${input.maxArrayBytes} bytes`,
    );
  }
  const adapter = adapterParameters * F32;
  const gradients = (adapterParameters + full) * F32;
  // each trained tensor: lora_A (r, in) and lora_B (out, r) per adapted linear and layer, and the fully trained ones
  const trainedSizes = [
    ...Array.from({ length: L }, () => adapted.flatMap((l) => [r * l.inFeatures, r * l.outFeatures])).flat(),
    ...(full > 0 ? [full] : []),
  ];
  const optimizer = optimizerStateBytes(trainedSizes, input.optimizer);
  const parts: MemoryParts = {
    runtime: input.runtimeBytes ?? RUNTIME_BYTES,
    tokenizer: input.tokenizerBytes ?? Math.round(TOKENIZER_BYTES_PER_TOKEN * V),
    baseWeights: L * linearBytes + m.denseElements * F32,
    loadTransient: quantized ? 2 * largest * F32 : 0, // the weight read as f32 and the copy quantize4bit takes
    adapter,
    gradients,
    optimizer,
    activations:
      F32 * (kept + N * b.sharedPerToken + S * b.sharedPerScore + N * b.outsidePerToken + windowMask),
    // per adapted linear x·Aᵀ and its gradient (T, R); with dropout, one x_d and its gradient shared by all of them
    loraBuffers:
      F32 *
      (L * adapted.length * 2 * N * r +
        (dropout ? 2 * N * Math.max(...adapted.map((l) => l.inFeatures)) : 0)),
    logitsChunk: logitsChunkBytes(N, chunk),
    // resident float operands are used in place; the 4-bit codes stay on the JS heap and are staged per call
    staging: (input.stagesOperands ?? false) ? F32 * staged : quantized ? largestQuantized : 0,
  };
  const resident = parts.runtime + parts.tokenizer + parts.baseWeights;
  const load = resident + parts.loadTransient;
  const training =
    Object.values(parts).reduce((a, v) => a + v, 0) - LOAD_ONLY_PARTS.reduce((a, k) => a + parts[k], 0);
  return {
    parts,
    peaks: { load, training },
    total: Math.max(load, training),
    counts: {
      baseParameters: L * linearParams + m.denseElements,
      quantizedParameters: quantized ? L * linearParams : 0,
      adapterParameters,
      fullyTrainedParameters: full,
    },
    rowBlocks,
    input,
  };
}
