import { expect, test } from 'vitest';
import { type StepResult, stepTable } from './step-bench.js';

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
