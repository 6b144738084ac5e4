// Profiles one LoRA training step of @lora/models on the wasm backend: a 4-layer, hidden-512 Llama (the models
// benchmark's shape; --shape qwen2.5-0.5b for Qwen2.5-0.5B's dimensions, --tokens N, --layers N), LoRA r=16 on
// every linear, 256 tokens, batch 1; and the same model in PyTorch in the same run.
//
//   taskset -c 0,1 npx tsx [--experimental-wasm-relaxed-simd] --conditions=@lora/source \
//     packages/models/scripts/profile-step.ts [--reps 5] [--threads 2] [--no-torch] [--no-phases] [--no-allocs]
//     [--no-resident] [--json out.json]
//
// Prints best-of-N forward and forward+backward times (tokens/s) with their least CPU time, a per-phase breakdown
// (phases are the layers' forward/backward methods, wrapped from here; kernels are wrapped in the registry; no timing
// code lives in the layers), the Float32Array allocations over 4 KB per step after the first, and PyTorch's
// (@lora/bench's python/torch_lora_step.py: same shapes, same thread count) with the ratio. The shapes, the model and
// both engines' timing are @lora/bench's src/lora-step.ts, which its LoRA-step table (pnpm bench) uses too. On a
// shared machine compare CPU times and repeat: wall-clock best-of-N swings with the load. The model moves into the backend's deviceMemory() unless
// --no-resident (then the JS heap: operands are copied into wasm memory per call); on wasm it is the wasm memory.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { backendReport, disposeBackends, KERNEL_NAMES, setBackend } from '@lora/core';
import { registerWasmBackend } from '../../backend-wasm/src/index.js';
import {
  bestOf,
  LORA_STEP_RANK,
  loraStepModel,
  loraStepRunner,
  QWEN25_05B_LLAMA_OVERRIDES,
  SMALL_LLAMA_OVERRIDES,
  torchLoraStep,
} from '../../bench/src/lora-step.js';
import { LoraLinear } from '../../peft/src/index.js';
import { Attention } from '../src/attention.js';
import { CausalLM } from '../src/causal-lm.js';
import { DecoderBlock } from '../src/decoder-block.js';
import { DenseLinear } from '../src/dense-linear.js';
import { Mlp } from '../src/mlp.js';
import { Norm } from '../src/norm.js';
import { AllocationCounter, Tracer } from './profile-tracer.js';

/** The models benchmark's Llama (packages/bench LLAMA_BENCH_CONFIG): TinyLlama's shape scaled to hidden 512. */
export const PROFILE_OVERRIDES: Record<string, unknown> = { ...SMALL_LLAMA_OVERRIDES };
const RANK = LORA_STEP_RANK;

const { values: args } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    'no-torch': { type: 'boolean', default: false },
    'no-phases': { type: 'boolean', default: false },
    'no-allocs': { type: 'boolean', default: false },
    'no-resident': { type: 'boolean', default: false },
    json: { type: 'string' },
    /** the vocabulary (32,000 by default; the issue's small case uses 2,000, where the per-step overhead shows) */
    vocab: { type: 'string' },
    /** qwen2.5-0.5b: the Llama layout at Qwen2.5-0.5B's dimensions (24 layers, hidden 896, tied 151,936 vocabulary) */
    shape: { type: 'string' },
    /** tokens per step (256 by default) */
    tokens: { type: 'string', default: '256' },
    /** logits held at once by the loss (rows × chunk; CausalLM's vocabChunk), the model's default when absent */
    'vocab-chunk': { type: 'string' },
    /** decoder layers (the shape's own count by default; issue 14's 0.5B case uses 8 of 24) */
    layers: { type: 'string' },
  },
});
if (args.shape !== undefined) {
  if (args.shape !== 'qwen2.5-0.5b') throw new Error(`--shape: expected qwen2.5-0.5b, got ${args.shape}`);
  Object.assign(PROFILE_OVERRIDES, QWEN25_05B_LLAMA_OVERRIDES);
}
if (args.vocab) PROFILE_OVERRIDES.vocab_size = Number(args.vocab);
if (args.layers) PROFILE_OVERRIDES.num_hidden_layers = Number(args.layers);
const TOKENS = Number(args.tokens);
const reps = Number(args.reps);
const threads = Number(args.threads);

const pad = (s: string, n: number) => s.padEnd(n);
const num = (x: number, d = 1) => x.toFixed(d).padStart(8);

type Phases = Tracer['phases'];

/** Per phase, the least self time (and least kernel times) over several traced steps: the least disturbed. */
function leastOf(runs: Phases[]): Phases {
  const out: Phases = new Map();
  for (const run of runs) {
    for (const [name, s] of run) {
      const o = out.get(name);
      if (!o) {
        out.set(name, { ...s, kernels: new Map(s.kernels) });
        continue;
      }
      o.self = Math.min(o.self, s.self);
      o.total = Math.min(o.total, s.total);
      for (const [k, ms] of s.kernels) o.kernels.set(k, Math.min(o.kernels.get(k) ?? ms, ms));
    }
  }
  return out;
}

function printPhases(phases: Phases): void {
  const rows = [...phases.entries()].sort((a, b) => b[1].self - a[1].self);
  const stepMs = rows.reduce((acc, [, s]) => acc + s.self, 0);
  console.log(
    `\n${pad('phase (least self time)', 26)} ${'calls'.padStart(6)} ${'self ms'.padStart(8)} ${'%'.padStart(6)} ${'GFLOP/s'.padStart(8)} ${'staged MB'.padStart(9)}  kernels (ms)`,
  );
  for (const [name, s] of rows) {
    const kernels = [...s.kernels.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, ms]) => `${k} ${ms.toFixed(1)}`)
      .join(', ');
    const gemmMs = (s.kernels.get('matmul') ?? 0) + (s.kernels.get('batchedMatmul') ?? 0);
    const rate = gemmMs > 0 ? s.flops / (gemmMs * 1e6) : 0;
    console.log(
      `${pad(name, 26)} ${String(s.calls).padStart(6)} ${num(s.self)} ${num((100 * s.self) / stepMs, 1).slice(2)} ${rate ? num(rate) : ''.padStart(8)} ${num(s.stagedBytes / 1e6).padStart(9)}  ${kernels}`,
    );
  }
  const gemm = rows.reduce(
    (acc, [, s]) => acc + (s.kernels.get('matmul') ?? 0) + (s.kernels.get('batchedMatmul') ?? 0),
    0,
  );
  const flops = rows.reduce((acc, [, s]) => acc + s.flops, 0);
  const staged = rows.reduce((acc, [, s]) => acc + s.stagedBytes, 0);
  console.log(
    `sum of phases ${stepMs.toFixed(1)} ms; GEMM ${gemm.toFixed(1)} ms (${((100 * gemm) / stepMs).toFixed(0)}%), ` +
      `${(flops / 1e9).toFixed(2)} GFLOP at ${(flops / (gemm * 1e6)).toFixed(1)} GFLOP/s; ` +
      `${(staged / 1e6).toFixed(1)} MB of GEMM operands outside wasm memory`,
  );
}

function runTorch() {
  const run = torchLoraStep({ overrides: PROFILE_OVERRIDES, tokens: TOKENS, threads, reps });
  if (!('error' in run)) return run;
  console.error(`PyTorch run failed (${run.error})`);
  return undefined;
}

async function main(): Promise<void> {
  await registerWasmBackend({ threads });
  await setBackend('wasm');
  const vocabChunk = args['vocab-chunk'] ? Number(args['vocab-chunk']) : undefined;
  const model = await loraStepModel(PROFILE_OVERRIDES, { vocabChunk, resident: !args['no-resident'] });
  const { forward, train, trainable, zeroGrads } = loraStepRunner(model, TOKENS);
  const c = model.config;
  console.log(
    `model: Llama ${c.numLayers}×${c.hiddenSize} (I ${c.intermediateSize}, ${c.numHeads}/${c.numKvHeads} heads, V ${c.vocabSize}), LoRA r=${RANK} on ${trainable.length / 2} linears, ` +
      `${TOKENS} tokens; memory: ${model.memory.name}`,
  );
  console.log(backendReport(KERNEL_NAMES));
  const fwd = await bestOf(reps, forward);
  const step = await bestOf(reps, () => {
    zeroGrads();
    return train();
  });
  const tps = (ms: number) => (TOKENS / ms) * 1000;
  const line = (label: string, r: { best: number; median: number; cpu: number }) =>
    console.log(
      `${label} best ${r.best.toFixed(1)} ms (median ${r.median.toFixed(1)}) = ${tps(r.best).toFixed(0)} tokens/s; ` +
        `CPU ${r.cpu.toFixed(0)} ms (all threads)`,
    );
  line('forward:           ', fwd);
  line('forward + backward:', step);
  const result: Record<string, unknown> = {
    forwardMs: fwd.best,
    stepMs: step.best,
    forwardCpuMs: fwd.cpu,
    stepCpuMs: step.cpu,
    forwardTokensPerSecond: tps(fwd.best),
    stepTokensPerSecond: tps(step.best),
  };

  if (!args['no-phases']) {
    const tracer = new Tracer();
    tracer.wrapKernels();
    tracer.wrapMethods(CausalLM.prototype, 'step', ['stepInto']); // the step's work; step() adds the read
    tracer.wrapMethods(DecoderBlock.prototype, 'block', ['forward', 'backward']);
    tracer.wrapMethods(Attention.prototype, 'attention', ['forward', 'backward']);
    tracer.wrapMethods(Mlp.prototype, 'mlp', ['forward', 'backward']);
    tracer.wrapMethods(Norm.prototype, 'norm', ['forward', 'backward']);
    tracer.wrapMethods(LoraLinear.prototype, 'lora', ['forward', 'backward']);
    tracer.wrapMethods(DenseLinear.prototype, 'dense', ['forward', 'backward']);
    const runs: Phases[] = [];
    for (let i = 0; i < reps; i++) {
      zeroGrads();
      tracer.reset();
      tracer.enabled = true;
      await train();
      tracer.enabled = false;
      runs.push(new Map(tracer.phases));
    }
    console.log(
      `\nphases of a training step, least of ${reps} traced steps ("step.stepInto" = embedding, lm head + loss, glue)`,
    );
    printPhases(leastOf(runs));
  }

  if (!args['no-allocs']) {
    const counter = new AllocationCounter(4096);
    counter.install();
    await train(); // the first step under the counter may allocate; count the next
    counter.reset();
    counter.counting = true;
    zeroGrads();
    await train();
    counter.counting = false;
    const sizes = [...counter.bySize.entries()].sort((a, b) => b[0] * b[1] - a[0] * a[1]).slice(0, 8);
    console.log(
      `\nallocations per training step (Float32Array > 4 KB, after the first step): ${counter.count}, ` +
        `${(counter.bytes / 1e6).toFixed(1)} MB; largest: ${sizes.map(([n, c]) => `${c}×${n}`).join(', ') || 'none'}`,
    );
    result.allocations = counter.count;
    result.allocatedMB = counter.bytes / 1e6;
  }
  await disposeBackends();

  if (!args['no-torch']) {
    const torch = runTorch();
    if (torch) {
      const ratio = (result.stepTokensPerSecond as number) / torch.stepTokensPerSecond!;
      console.log(
        `\nPyTorch ${threads} threads: forward best ${torch.forwardMs!.toFixed(1)} ms = ` +
          `${torch.forwardTokensPerSecond!.toFixed(0)} tokens/s, CPU ${torch.forwardCpuMs!.toFixed(0)} ms; ` +
          `forward + backward best ${torch.stepMs!.toFixed(1)} ms = ${torch.stepTokensPerSecond!.toFixed(0)} tokens/s, ` +
          `CPU ${torch.stepCpuMs!.toFixed(0)} ms`,
      );
      console.log(
        `ratio @lora/models ÷ PyTorch tokens/s (best wall): training step ${ratio.toFixed(2)}×, forward ` +
          `${((result.forwardTokensPerSecond as number) / torch.forwardTokensPerSecond!).toFixed(2)}×; ` +
          `by CPU time: training step ${(torch.stepCpuMs! / (result.stepCpuMs as number)).toFixed(2)}×, forward ` +
          `${(torch.forwardCpuMs! / (result.forwardCpuMs as number)).toFixed(2)}×`,
      );
      result.torch = torch;
      result.ratio = ratio;
    }
  }
  if (args.json) writeFileSync(args.json, `${JSON.stringify(result, null, 2)}\n`);
}

await main();
