// `lora train --backend webgpu`: the embedded default QLoRA run with the model, adapter and optimizer in GPU memory
// ends with the adapter the wasm backend trains, and prints the same losses. Runs where a WebGPU adapter opens (a
// real GPU, or SwiftShader from Debian's chromium package with libvulkan1); skips with the reason otherwise.
import { join } from 'node:path';
import { registerWebgpuBackend, webgpuDevice } from '@lora/backend-webgpu';
import { SafetensorsFile } from '@lora/safetensors';
import { useSoftwareVulkan } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { runCli } from '../test-support/capture-io.js';
import { tempDir } from '../test-support/temp-dir.js';

useSoftwareVulkan();
await registerWebgpuBackend();
const adapter = webgpuDevice();
const title = adapter
  ? `lora train --backend webgpu (on ${adapter.name})`
  : 'lora train --backend webgpu (skipped: no WebGPU adapter; install chromium and libvulkan1 for SwiftShader)';

async function adapterTensors(dir: string): Promise<Map<string, Float32Array>> {
  const file = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
  try {
    const out = new Map<string, Float32Array>();
    for (const name of file.tensorNames()) out.set(name, await file.readF32(name));
    return out;
  } finally {
    await file.close();
  }
}

/** The "step N/M  loss X" lines a run prints. */
const lossLines = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^step \d+\/\d+ {2}loss /.test(l))
    .map((l) => l.slice(0, 30));

describe.skipIf(!adapter)(title, () => {
  test('trains the default run to the adapter and losses of the wasm backend', {
    timeout: 240_000,
  }, async () => {
    // the default run, cut down: SwiftShader runs a step of 8 × 96 tokens in tens of seconds on 2 loaded cores
    const small = ['--max-samples', '8', '--batch-size', '4', '--max-length', '64'];
    const args = ['train', '--max-steps', '4', '--logging-steps', '2', '--eval-prompts', '0', ...small];
    const wasmDir = tempDir('lora-cli-wasm-');
    const gpuDir = tempDir('lora-cli-webgpu-');
    const wasm = await runCli([...args, '--backend', 'wasm'], wasmDir);
    expect(wasm.code, wasm.err).toBe(0);
    const gpu = await runCli([...args, '--backend', 'webgpu'], gpuDir);
    expect(gpu.code, gpu.err).toBe(0);
    expect(gpu.out).toMatch(/^backend: webgpu \(/m);
    expect(lossLines(gpu.out)).toHaveLength(2);
    expect(lossLines(gpu.out)).toEqual(lossLines(wasm.out));
    const [a, b] = [
      await adapterTensors(join(wasmDir, 'runs', 'default', 'output')),
      await adapterTensors(join(gpuDir, 'runs', 'default', 'output')),
    ];
    expect([...b.keys()]).toEqual([...a.keys()]);
    let worst = 0;
    let scale = 0;
    for (const [name, values] of a) {
      const other = b.get(name)!;
      values.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(v - other[i]!));
        scale = Math.max(scale, Math.abs(v));
      });
    }
    // float32 kernels summing in other orders: a few ulp per step, far below any training signal
    expect(worst, `max |wasm − webgpu| over the adapter (largest |value| ${scale})`).toBeLessThan(
      1e-5 * scale,
    );
    expect(scale).toBeGreaterThan(0);
  });
});
