import { expect, test } from 'vitest';
import { QWEN25_05B_LLAMA_OVERRIDES } from './lora-step.js';
import { STEP_SHAPES, type StepResult, stepTable, torchOverrides } from './step-measure.js';

const row = (backend: string, over: Partial<StepResult> = {}): StepResult => ({
  backend,
  device: backend === 'webgpu' ? 'some adapter' : 'CPU',
  tokensPerSecond: 1234.56,
  steps: 3,
  readbacks: 1,
  dispatches: 741,
  uploads: 1,
  uploadBytes: 4092,
  idsBytes: 1024,
  loss: 8.3051234,
  ...over,
});

test('the step table shows traffic for a device backend and a dash where nothing crosses (host memory)', () => {
  const lines = stepTable([row('wasm'), row('webgpu')]).split('\n');
  expect(lines[0]).toMatch(/backend .*readbacks\/step .*dispatches\/step .*upload bytes\/step .*step-1 loss/);
  const [wasm, gpu] = [lines[2]!, lines[3]!];
  expect(wasm).toMatch(/^wasm +CPU +1234\.6 +— +— +— +— +1024 B +8\.305123$/);
  expect(gpu).toMatch(/^webgpu +some adapter +1234\.6 +1 +741 +1 +4092 +1024 B +8\.305123$/);
});

test("PyTorch's counterpart of a step shape has its dimensions and head size in the Llama layout", () => {
  expect(torchOverrides(STEP_SHAPES['qwen2.5-0.5b']!.config)).toEqual(QWEN25_05B_LLAMA_OVERRIDES);
  expect(torchOverrides(STEP_SHAPES.small!.config)).toMatchObject({
    vocab_size: 4096,
    hidden_size: 256,
    intermediate_size: 704,
    num_hidden_layers: 4,
    num_attention_heads: 8,
    num_key_value_heads: 2,
    head_dim: 32,
  });
});
