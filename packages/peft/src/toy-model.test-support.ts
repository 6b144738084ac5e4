// Test support: a tiny residual network of named linears (a LinearContainer) in two naming schemes — Llama/Qwen
// ("model.layers.i.self_attn.q_proj") and GPT-2 ("transformer.h.i.attn.c_attn") — with forward, backward and a
// mean cross-entropy loss. fixtures/peft-tiny/make_fixture.py implements the same network in PyTorch.
//   llama: h += o_proj(q_proj(h)); h += down_proj(silu(up_proj(h)))            logits = lm_head(h)
//   gpt2:  h += attn.c_proj(sum of c_attn(h)'s three C-chunks); h += mlp.c_proj(silu(mlp.c_fc(h)))   logits = lm_head(h)
// The network's own elementwise steps (residuals, SiLU, chunk sums) run on host arrays: Float32Array, or Float64Array
// in float64 gradient checks.
import {
  allocLike,
  type F32,
  type ForwardContext,
  type LinearCache,
  type LinearContainer,
  type LinearModule,
  type Parameter,
} from '@lora/core';
import { hostValues, ToyLinear } from './toy-linears.test-support.js';

type HostArray = Float32Array | Float64Array;

/** A zeroed host array of n elements of `like`'s element type. */
function alloc(like: HostArray, n: number): HostArray {
  return hostValues(allocLike(like, n));
}

/** out[k] = f(a[k], k), in a new array of `a`'s element type. */
function mapped(a: HostArray, f: (v: number, k: number) => number): HostArray {
  const out = alloc(a, a.length);
  for (let k = 0; k < a.length; k++) out[k] = f(a[k]!, k);
  return out;
}

export type ToyArch = 'llama' | 'gpt2';

export interface ToyDims {
  layers: number;
  hidden: number;
  ffn: number;
  vocab: number;
}

/** Linear names, shapes (out, in) and whether each has a bias, in model order. */
export function toyLayout(
  arch: ToyArch,
  d: ToyDims,
): { name: string; out: number; in: number; bias: boolean }[] {
  const out: { name: string; out: number; in: number; bias: boolean }[] = [];
  for (let i = 0; i < d.layers; i++) {
    if (arch === 'llama') {
      const p = `model.layers.${i}`;
      out.push({ name: `${p}.self_attn.q_proj`, out: d.hidden, in: d.hidden, bias: true });
      out.push({ name: `${p}.self_attn.o_proj`, out: d.hidden, in: d.hidden, bias: false });
      out.push({ name: `${p}.mlp.up_proj`, out: d.ffn, in: d.hidden, bias: false });
      out.push({ name: `${p}.mlp.down_proj`, out: d.hidden, in: d.ffn, bias: false });
    } else {
      const p = `transformer.h.${i}`;
      out.push({ name: `${p}.attn.c_attn`, out: 3 * d.hidden, in: d.hidden, bias: true });
      out.push({ name: `${p}.attn.c_proj`, out: d.hidden, in: d.hidden, bias: true });
      out.push({ name: `${p}.mlp.c_fc`, out: d.ffn, in: d.hidden, bias: true });
      out.push({ name: `${p}.mlp.c_proj`, out: d.hidden, in: d.ffn, bias: true });
    }
  }
  out.push({ name: 'lm_head', out: d.vocab, in: d.hidden, bias: false });
  return out;
}

interface Step {
  name: string;
  cache: LinearCache;
}

export class ToyModel implements LinearContainer {
  readonly linears = new Map<string, LinearModule>();

  constructor(
    readonly arch: ToyArch,
    readonly dims: ToyDims,
    weights: (name: string, out: number, inF: number, bias: boolean) => { weight: F32; bias?: F32 },
  ) {
    for (const l of toyLayout(arch, dims)) {
      const w = weights(l.name, l.out, l.in, l.bias);
      this.linears.set(l.name, new ToyLinear(l.name, l.in, l.out, w.weight, w.bias));
    }
  }

  linearModules(): Map<string, LinearModule> {
    return new Map(this.linears);
  }

  replaceLinear(name: string, module: LinearModule): void {
    if (!this.linears.has(name))
      throw new Error(`replaceLinear: expected one of the model's linears, got ${name}`);
    this.linears.set(name, module);
  }

  parameters(): Parameter[] {
    return [...this.linears.values()].flatMap((m) => m.parameters());
  }

  #lin(name: string): LinearModule {
    return this.linears.get(name)!;
  }

  /** logits (T, V) for x (T, C), and what backward needs. */
  forward(x: F32, rows: number, ctx: ForwardContext): { logits: F32; tape: unknown } {
    const C = this.dims.hidden;
    let h: HostArray = hostValues(x).slice();
    const steps: Step[] = [];
    const acts: HostArray[] = [];
    const run = (name: string, input: HostArray): HostArray => {
      const { out, cache } = this.#lin(name).forward(input, rows, ctx);
      steps.push({ name, cache });
      return hostValues(out);
    };
    for (let i = 0; i < this.dims.layers; i++) {
      const [attnIn, attnOut, upName, downName] = this.#names(i);
      let a = run(attnIn, h);
      if (this.arch === 'gpt2') a = sumChunks(a, rows, C);
      const o = run(attnOut, a);
      h = mapped(h, (v, k) => v + o[k]!);
      const u = run(upName, h);
      acts.push(u);
      const s = mapped(u, (v) => v / (1 + Math.exp(-v)));
      const dn = run(downName, s);
      h = mapped(h, (v, k) => v + dn[k]!);
    }
    const logits = run('lm_head', h);
    return { logits, tape: { steps, acts } };
  }

  #names(i: number): [string, string, string, string] {
    if (this.arch === 'llama') {
      const p = `model.layers.${i}`;
      return [`${p}.self_attn.q_proj`, `${p}.self_attn.o_proj`, `${p}.mlp.up_proj`, `${p}.mlp.down_proj`];
    }
    const p = `transformer.h.${i}`;
    return [`${p}.attn.c_attn`, `${p}.attn.c_proj`, `${p}.mlp.c_fc`, `${p}.mlp.c_proj`];
  }

  /** Backpropagates dlogits (T, V) through the network; returns dx (T, C). */
  backward(dlogits: F32, rows: number, tape: unknown): F32 {
    const { steps, acts } = tape as { steps: Step[]; acts: HostArray[] };
    const C = this.dims.hidden;
    const pop = (): Step => steps.pop()!;
    const back = (dy: F32): HostArray => {
      const s = pop();
      return hostValues(this.#lin(s.name).backward(dy, s.cache));
    };
    let dh = back(dlogits);
    for (let i = this.dims.layers - 1; i >= 0; i--) {
      const ds = back(dh); // down
      const u = acts[i]!;
      const du = mapped(ds, (g, k) => {
        const sg = 1 / (1 + Math.exp(-u[k]!));
        return g * sg * (1 + u[k]! * (1 - sg));
      });
      const dh1 = back(du); // up
      dh = mapped(dh, (v, k) => v + dh1[k]!);
      let da = back(dh); // attn out
      if (this.arch === 'gpt2') da = repeatChunks(da, rows, C);
      const dh0 = back(da); // attn in
      dh = mapped(dh, (v, k) => v + dh0[k]!);
    }
    return dh;
  }
}

function sumChunks(a: HostArray, rows: number, C: number): HostArray {
  const out = alloc(a, rows * C);
  for (let t = 0; t < rows; t++)
    for (let c = 0; c < C; c++)
      out[t * C + c] = a[t * 3 * C + c]! + a[t * 3 * C + C + c]! + a[t * 3 * C + 2 * C + c]!;
  return out;
}

function repeatChunks(d: HostArray, rows: number, C: number): HostArray {
  const out = alloc(d, rows * 3 * C);
  for (let t = 0; t < rows; t++)
    for (let k = 0; k < 3; k++) for (let c = 0; c < C; c++) out[t * 3 * C + k * C + c] = d[t * C + c]!;
  return out;
}

/** Mean cross-entropy over rows (float64 sums) and its gradient w.r.t. the logits. */
export function crossEntropy(
  values: F32,
  targets: readonly number[],
  vocab: number,
): { loss: number; dlogits: HostArray } {
  const logits = hostValues(values);
  const rows = targets.length;
  const dlogits = alloc(logits, rows * vocab);
  let loss = 0;
  for (let t = 0; t < rows; t++) {
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[t * vocab + v]!);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[t * vocab + v]! - max);
    const lse = max + Math.log(sum);
    loss += (lse - logits[t * vocab + targets[t]!]!) / rows;
    for (let v = 0; v < vocab; v++) {
      const p = Math.exp(logits[t * vocab + v]! - lse);
      dlogits[t * vocab + v] = (p - (v === targets[t] ? 1 : 0)) / rows;
    }
  }
  return { loss, dlogits };
}
