// LoRA weight initialisation as PEFT's LoraLayer.reset_lora_parameters does it, with torch.nn.init's formulas:
// kaiming_uniform_(a=√5) draws U(-b, b) with b = gain·√(3 / fan_in), gain = √(2 / (1 + a²)), i.e. b = 1/√fan_in.

/** uniform [0, 1) */
export type Uniform = () => number;

/** torch.nn.init.kaiming_uniform_(w, a) for a (rows, fanIn) matrix, in place. */
export function kaimingUniform(w: Float32Array, fanIn: number, a: number, rng: Uniform): void {
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = gain * Math.sqrt(3 / fanIn);
  for (let i = 0; i < w.length; i++) w[i] = (2 * rng() - 1) * bound;
}

/** torch.nn.init.normal_(w, 0, std), in place (Box–Muller). */
export function normalInit(w: Float32Array, std: number, rng: Uniform): void {
  for (let i = 0; i < w.length; i++) {
    const u = Math.max(rng(), Number.MIN_VALUE);
    w[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  }
}

/**
 * Fill lora_A (r, in) and lora_B (out, r) as PEFT does: true → A Kaiming-uniform (a = √5), B zero; "gaussian" →
 * A normal with std 1/r, B zero; false → both keep nn.Linear's own init (Kaiming-uniform, a = √5), so the adapter
 * changes the output from the start.
 */
export function initLoraWeights(
  init: boolean | 'gaussian',
  a: Float32Array,
  b: Float32Array,
  r: number,
  inFeatures: number,
  rng: Uniform,
): void {
  if (init === 'gaussian') normalInit(a, 1 / r, rng);
  else kaimingUniform(a, inFeatures, Math.sqrt(5), rng);
  if (init === false) kaimingUniform(b, r, Math.sqrt(5), rng);
  else b.fill(0);
}
