// Predicted training memory of a LoRA/QLoRA run, by part. Bytes are what the @lora JS runtime stores: f32 for
// every dense tensor, bitsandbytes' layout for 4-bit weights (see README "Memory planner" for the formulas).
export const LORA_TARGET_MODULES = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
] as const;
export type LoraTargetModule = (typeof LORA_TARGET_MODULES)[number];

/** The architecture numbers of a Llama/Qwen2/Gemma-style decoder (config.json fields in camelCase). */
export interface ModelDims {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** lm_head shares the embedding (Qwen2.5-0.5B, Gemma); default false */
  tieWordEmbeddings?: boolean;
  /** q/k/v projections carry a bias (Qwen2); default false */
  attentionBias?: boolean;
}

export type QuantKind = 'nf4' | 'fp4' | 'none';

export interface MemoryPlanInput {
  config: ModelDims;
  quant: QuantKind;
  /** default false */
  doubleQuant?: boolean;
  /** default 64 */
  blocksize?: number;
  loraRank: number;
  /** module names (q_proj, ...) or 'all-linear' */
  targetModules: readonly string[] | 'all-linear';
  batchSize: number;
  seqLen: number;
  /** default false */
  gradientCheckpointing?: boolean;
  /** vocab rows per logits chunk; default vocabSize (the full logits) */
  vocabChunk?: number;
  /** LoRA dropout > 0 keeps a dropped copy of each adapted input; default 0 */
  loraDropout?: number;
}

export interface MemoryParts {
  baseWeights: number;
  adapter: number;
  optimizer: number;
  gradients: number;
  activations: number;
  logitsChunk: number;
}

export interface MemoryPlan {
  /** bytes by part */
  parts: MemoryParts;
  /** bytes, all parts together */
  total: number;
  counts: { baseParameters: number; quantizedParameters: number; adapterParameters: number };
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

/** Every linear of one decoder layer as [out, in]. */
export function layerLinearShapes(c: ModelDims): Record<LoraTargetModule, [number, number]> {
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const C = c.hiddenSize;
  const I = c.intermediateSize;
  return {
    q_proj: [q, C],
    k_proj: [kv, C],
    v_proj: [kv, C],
    o_proj: [C, q],
    gate_proj: [I, C],
    up_proj: [I, C],
    down_proj: [C, I],
  };
}

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

function checkInput(input: MemoryPlanInput): LoraTargetModule[] {
  const fail = (key: string, want: string, got: unknown): never => {
    throw new MemoryPlanError(`planMemory ${key}: expected ${want}, got ${JSON.stringify(got)}`);
  };
  const c = input?.config;
  if (!c || typeof c !== 'object') fail('config', 'model dimensions', c);
  for (const key of [
    'vocabSize',
    'hiddenSize',
    'intermediateSize',
    'numLayers',
    'numHeads',
    'numKvHeads',
    'headDim',
  ] as const) {
    if (!Number.isInteger(c[key]) || c[key] <= 0) fail(`config.${key}`, 'an integer > 0', c[key]);
  }
  for (const key of ['loraRank', 'batchSize', 'seqLen'] as const) {
    if (!Number.isInteger(input[key]) || input[key] <= 0) fail(key, 'an integer > 0', input[key]);
  }
  if (!['nf4', 'fp4', 'none'].includes(input.quant)) fail('quant', "'nf4', 'fp4' or 'none'", input.quant);
  const bs = input.blocksize ?? 64;
  if (!Number.isInteger(bs) || bs < 32 || bs > 4096 || (bs & (bs - 1)) !== 0)
    fail('blocksize', 'a power of two from 32 to 4096', bs);
  const chunk = input.vocabChunk ?? c.vocabSize;
  if (!Number.isInteger(chunk) || chunk <= 0) fail('vocabChunk', 'an integer > 0', chunk);
  const targets = input.targetModules === 'all-linear' ? [...LORA_TARGET_MODULES] : input.targetModules;
  if (!Array.isArray(targets) || targets.length === 0)
    fail('targetModules', "a non-empty list or 'all-linear'", targets);
  for (const t of targets)
    if (!(LORA_TARGET_MODULES as readonly string[]).includes(t))
      fail('targetModules', `names from ${LORA_TARGET_MODULES.join(', ')}`, t);
  return [...new Set(targets)] as LoraTargetModule[];
}

/** Activation elements one decoder layer keeps for its backward pass (see README for the term list). */
function layerActivationElements(
  c: ModelDims,
  B: number,
  T: number,
  targets: readonly LoraTargetModule[],
  rank: number,
  dropout: boolean,
): number {
  const N = B * T;
  const C = c.hiddenSize;
  const Q = c.numHeads * c.headDim;
  const K = c.numKvHeads * c.headDim;
  const shapes = layerLinearShapes(c);
  const lora = targets.reduce((sum, t) => sum + N * rank + (dropout ? N * shapes[t][1] : 0), 0);
  return (
    4 * N * C + 2 * N + N * (Q + 2 * K) + c.numHeads * B * T * T + N * Q + 4 * N * c.intermediateSize + lora
  );
}

/** Predict training memory by part. Throws MemoryPlanError for bad input. */
export function planMemory(input: MemoryPlanInput): MemoryPlan {
  const targets = checkInput(input);
  const c = input.config;
  const { loraRank: r, batchSize: B, seqLen: T } = input;
  const shapes = layerLinearShapes(c);
  const L = c.numLayers;
  const C = c.hiddenSize;
  const N = B * T;
  let linearBytes = 0;
  let linearParams = 0;
  for (const [out, inp] of Object.values(shapes)) {
    const n = out * inp;
    linearParams += n;
    linearBytes +=
      input.quant === 'none'
        ? n * F32
        : quantizedWeightBytes(n, input.blocksize ?? 64, input.doubleQuant ?? false);
  }
  const embed = c.vocabSize * C;
  const dense =
    embed * (c.tieWordEmbeddings ? 1 : 2) +
    L * 2 * C +
    C +
    (c.attentionBias ? L * (shapes.q_proj[0] + 2 * shapes.k_proj[0]) : 0);
  const adapterParameters = L * targets.reduce((sum, t) => sum + r * (shapes[t][0] + shapes[t][1]), 0);
  const perLayer = layerActivationElements(c, B, T, targets, r, (input.loraDropout ?? 0) > 0);
  const kept = input.gradientCheckpointing ? L * N * C + perLayer : L * perLayer;
  const activations = F32 * (kept + perLayer + N * C + N); // + one layer's backward workspace + final norm
  const parts: MemoryParts = {
    baseWeights: L * linearBytes + dense * F32,
    adapter: adapterParameters * F32,
    optimizer: 2 * adapterParameters * F32,
    gradients: adapterParameters * F32,
    activations,
    logitsChunk: logitsChunkBytes(N, Math.min(input.vocabChunk ?? c.vocabSize, c.vocabSize)),
  };
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  return {
    parts,
    total,
    counts: {
      baseParameters: L * linearParams + dense,
      quantizedParameters: input.quant === 'none' ? 0 : L * linearParams,
      adapterParameters,
    },
    input,
  };
}
