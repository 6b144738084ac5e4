// The conformance cases on the gpu.js device backends, in headless Chromium (WebGL2 through SwiftShader; WebGPU
// through its fallback adapter where this Chromium exposes one): each case's arguments go to the page, the kernel runs
// there on device arrays, and its outputs come back to be compared here with the reference's.
import {
  getKernelImpl,
  isHostKernel,
  KERNEL_CASES,
  KERNEL_NAMES,
  type KernelCase,
  type KernelName,
  REFERENCE_BACKEND,
} from '@lora/core';
import { CHROMIUM_ABSENT, chromiumPresent } from '@lora/testing/chromium';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ChromiumPage, openChromium } from '../../backend-gpujs/src/test-support/chromium.js';
import type { PageResult, PageSetup } from './chromium-page.js';
import { type CaseOutputs, checkOutputs, runCase } from './run-case.js';
import { decodeArray, encodeArgs } from './wire.js';

const DEVICE_BACKENDS = ['gpujs-webgl2', 'gpujs-webgpu'];

/**
 * Which cases run in the page. In CI (CI=true) every case on both backends. Locally, where `pnpm test` must stay
 * short and SwiftShader takes seconds per case, gpujs-webgl2 runs the first LOCAL_PER_KERNEL cases of each kernel
 * and gpujs-webgpu the first one, none above LOCAL_MAX elements of arguments; the same kernels run the whole
 * catalogue on gpujs-emulated in Node (conformance.test.ts).
 */
const FULL = process.env.CI === 'true' || process.env.LORA_FULL_CONFORMANCE === '1';
const LOCAL_MAX = 200_000;
const LOCAL_PER_KERNEL = 3;
const firstCases = (n: number) =>
  new Set(KERNEL_NAMES.flatMap((k) => KERNEL_CASES.filter((c) => c.kernel === k).slice(0, n)));
const LOCAL_CASES: Record<string, Set<KernelCase>> = {
  'gpujs-webgl2': firstCases(LOCAL_PER_KERNEL),
  'gpujs-webgpu': firstCases(1),
};

function argumentElements(args: Record<string, unknown>): number {
  let n = 0;
  for (const value of Object.values(args)) if (ArrayBuffer.isView(value)) n += (value as Float32Array).length;
  return n;
}

/** Why `c` does not run on `backend` in this run, or undefined when it runs. */
function localSkip(backend: string, c: KernelCase, args: Record<string, unknown>): string | undefined {
  if (FULL) return undefined;
  if (!LOCAL_CASES[backend]?.has(c))
    return `locally ${backend} runs the first cases of each kernel (CI=true runs them all)`;
  if (argumentElements(args) > LOCAL_MAX)
    return `locally cases above ${LOCAL_MAX} argument elements are left to CI (CI=true) and gpujs-emulated`;
  return undefined;
}

interface Page {
  setup(modes: string[]): Promise<PageSetup>;
  run(
    backend: string,
    kernel: KernelName,
    wire: ReturnType<typeof encodeArgs>,
    outputs: string[],
  ): Promise<PageResult>;
}

let chromium: ChromiumPage | undefined;
let setup: PageSetup = { available: [], kernels: {}, reports: {} };

/** Page.run, called in the page (a plain signature: playwright's inferred argument types recurse too deep). */
function runInPage(...args: Parameters<Page['run']>): Promise<PageResult> {
  const call = (a: Parameters<Page['run']>) =>
    (globalThis as unknown as { conformancePage: Page }).conformancePage.run(...a);
  return chromium!.page.evaluate(call as (a: unknown) => Promise<PageResult>, args as unknown);
}

const title = chromiumPresent
  ? 'gpu.js device backends in headless Chromium'
  : `gpu.js device backends in headless Chromium (skipped: ${CHROMIUM_ABSENT})`;

describe.skipIf(!chromiumPresent)(title, () => {
  beforeAll(async () => {
    chromium = await openChromium(new URL('./chromium-page.ts', import.meta.url));
    setup = await chromium.page.evaluate(
      (modes) => (globalThis as unknown as { conformancePage: Page }).conformancePage.setup(modes),
      ['webgl2', 'webgpu'],
    );
  }, 120_000);
  afterAll(() => chromium?.close());

  test('gpujs-webgl2 is available and a device backend with every kernel', () => {
    expect(setup.available).toContain('gpujs-webgl2');
    expect(KERNEL_NAMES.filter((k) => !setup.kernels['gpujs-webgl2']?.includes(k))).toEqual([]);
  });

  const expected = new Map<KernelCase, CaseOutputs>();
  for (const backend of DEVICE_BACKENDS) {
    describe(backend, () => {
      // SwiftShader computes the >1000 GEMM in 20–50 s on a loaded machine
      // the device kernels' cases (a host kernel takes host arrays everywhere: conformance.test.ts runs it)
      test.for(
        KERNEL_CASES.filter((c) => !isHostKernel(c.kernel)).map((c) => [`${c.kernel} ${c.name}`, c] as const),
      )('%s', { timeout: 300_000 }, async ([, c], context) => {
        if (!setup.available.includes(backend)) context.skip(`${backend} is not available in this Chromium`);
        const args = c.args() as Record<string, unknown>;
        const skip = localSkip(backend, c, args);
        if (skip) context.skip(skip);
        let want = expected.get(c);
        if (!want) expected.set(c, (want = await runCase(getKernelImpl(c.kernel, REFERENCE_BACKEND), c)));
        const outputs = Object.keys(c.tolerances);
        const result = await runInPage(backend, c.kernel, encodeArgs(args), outputs);
        expect(result.error).toBeUndefined();
        expect(result.extraReadbacks, 'the kernel read something back').toBe(0);
        const got: CaseOutputs = new Map(
          Object.entries(result.outputs).map(([key, wire]) => [
            key,
            decodeArray(wire) as Float32Array | Int32Array | Uint8Array,
          ]),
        );
        checkOutputs(c, got, want, `backend ${backend}`);
      });
    });
  }
});
