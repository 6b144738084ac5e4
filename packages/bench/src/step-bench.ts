// Step benchmark: one QLoRA optimizer step (NF4 + double quant base, LoRA r16 on every linear, AdamW) per backend,
// and what crosses between host and device in it — uploads and their bytes against the batch's token ids,
// readbacks, kernel launches — with tokens/s. On a software GPU (SwiftShader) only the counts carry over to a real
// GPU; on a real one the rate does too. Prints one table and writes bench-results/step.json. Run alone with
// `tsx --conditions=@lora/source src/step-bench.ts [--quick] [--shape qwen2.5-0.5b]`, or through main.ts.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registerWasmBackend } from '@lora/backend-wasm';
import { registerWebgpuBackend, webgpuDevice } from '@lora/backend-webgpu';
import { disposeBackends } from '@lora/core';
import { machineInfo } from './machine.js';
import { writeResultsFile } from './results-file.js';
import { measureBackend, STEP_SHAPES, type StepResult, stepTable } from './step-measure.js';

const OUT_FILE = fileURLToPath(new URL('../../../bench-results/step.json', import.meta.url));

/** Every backend that runs here: wasm, and webgpu where an adapter opens. */
export async function runStepBench(options: { quick: boolean; shape?: string }): Promise<StepResult[]> {
  const shape = STEP_SHAPES[options.shape ?? 'small'];
  if (!shape)
    throw new Error(`--shape: expected one of ${Object.keys(STEP_SHAPES).join(', ')}, got ${options.shape}`);
  await registerWasmBackend({ threads: 2 });
  await registerWebgpuBackend();
  const backends = ['wasm', ...(webgpuDevice() ? ['webgpu'] : [])];
  const results: StepResult[] = [];
  for (const backend of backends) {
    const steps = backend === 'webgpu' && webgpuDevice()?.isFallback ? 2 : options.quick ? 3 : 6;
    process.stderr.write(`  step bench: ${shape.name} on ${backend} ...\n`);
    results.push(await measureBackend(backend, shape, steps));
  }
  await disposeBackends();
  console.log(
    `\none QLoRA optimizer step (NF4 + double quant, LoRA r16 all-linear, AdamW), ${shape.name}:\n`,
  );
  console.log(stepTable(results));
  await writeResultsFile(OUT_FILE, { machine: machineInfo(), shape, results });
  console.log(`\nwrote ${OUT_FILE}`);
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--shape');
  runStepBench({
    quick: process.argv.includes('--quick'),
    shape: i >= 0 ? process.argv[i + 1] : undefined,
  }).catch((error: unknown) => {
    console.error(`step bench failed: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
}
