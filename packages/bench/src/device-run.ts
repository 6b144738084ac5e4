// What a GPU machine lent for a short while measures, in one command (issue 10): one QLoRA optimizer step on the
// webgpu backend (the step bench's model: NF4 + double quant, LoRA r16 all-linear, AdamW) at each shape, with its
// readbacks, dispatches and uploads per step, and PyTorch's f32 LoRA step on the same GPU (CUDA) beside it where
// python3 has torch. Run from the kit scripts/device-kit.ts builds (its run.sh), or here:
//
//   npx tsx --conditions=@lora/source packages/bench/src/device-run.ts --out DIR [--shapes small,qwen2.5-0.5b]
//     [--steps 6] [--no-torch]
//
// Prints the adapter, one table and the ratio; writes DIR/device-step.json. Exits 2 when no WebGPU adapter opens.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { registerWebgpuBackend, webgpuDevice } from '@lora/backend-webgpu';
import { backendReport, disposeBackends, KERNEL_NAMES, setBackend } from '@lora/core';
import { type TorchLoraStepRun, torchLoraStep } from './lora-step.js';
import { machineInfo } from './machine.js';
import { writeResultsFile } from './results-file.js';
import { measureBackend, STEP_SHAPES, type StepResult, stepTable, torchOverrides } from './step-measure.js';

interface ShapeRecord {
  shape: string;
  webgpu: StepResult;
  torch: TorchLoraStepRun | { error: string } | null;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      shapes: { type: 'string', default: 'small,qwen2.5-0.5b' },
      steps: { type: 'string', default: '6' },
      'no-torch': { type: 'boolean', default: false },
    },
  });
  if (!values.out) throw new Error('--out: expected the folder to write device-step.json into, got none');
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`--steps: expected a whole number ≥ 1, got ${values.steps}`);
  const shapes = values.shapes.split(',');
  for (const s of shapes)
    if (!STEP_SHAPES[s])
      throw new Error(`--shapes: expected some of ${Object.keys(STEP_SHAPES).join(', ')}, got ${s}`);

  await registerWebgpuBackend();
  const device = webgpuDevice();
  if (!device) {
    const icd = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES ?? 'the loader default';
    console.error(
      `device run: no WebGPU adapter opened (Dawn's lines above say why; Vulkan driver manifest: ${icd})`,
    );
    return 2;
  }
  await setBackend('webgpu');
  console.log(
    `${backendReport(KERNEL_NAMES)}${device.isFallback ? ' — a software adapter: rates mean nothing' : ''}`,
  );

  const file = join(values.out, 'device-step.json');
  const records: ShapeRecord[] = [];
  for (const name of shapes) {
    const shape = STEP_SHAPES[name]!;
    process.stderr.write(`  ${shape.name} on webgpu ...\n`);
    const webgpu = await measureBackend('webgpu', shape, steps);
    const torch = values['no-torch']
      ? null
      : torchLoraStep({
          overrides: torchOverrides(shape.config),
          tokens: shape.tokens,
          threads: 1,
          reps: steps,
          stepOnly: true,
          device: 'cuda',
          python: process.env.LORA_BENCH_PYTHON ?? 'python3',
        });
    records.push({ shape: name, webgpu, torch });
    await writeResultsFile(file, { machine: machineInfo(), adapter: device, records }); // kept if a later shape fails
    console.log(`\none QLoRA optimizer step on webgpu, ${shape.name}:\n`);
    console.log(stepTable([webgpu]));
    if (torch === null) continue;
    if ('error' in torch) console.log(`\nPyTorch on CUDA: not measured (${torch.error})`);
    else
      console.log(
        `\nPyTorch ${torch.torch} f32 LoRA forward + backward (no optimizer, no 4-bit base) on CUDA: ` +
          `${torch.stepTokensPerSecond.toFixed(1)} tokens/s; webgpu ÷ PyTorch = ` +
          `${(webgpu.tokensPerSecond / torch.stepTokensPerSecond).toFixed(2)}×`,
      );
  }
  await disposeBackends();
  console.log(`\nwrote ${file}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`device run failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
