import { describe, expect, test } from 'vitest';
import { referenceKernels } from '../register-reference.js';
import { casesFor } from './cases/catalogue.js';
import { KernelArgumentError } from './check.js';
import { checkKernelArgs, KERNEL_CHECKS } from './checks.js';
import { KERNEL_ARRAYS } from './host-arrays.js';
import { HOST_KERNEL_NAMES, KERNEL_NAMES, type KernelName } from './types.js';

const ALL_KERNELS = [...KERNEL_NAMES, ...HOST_KERNEL_NAMES];

type Args = Record<string, unknown>;

/** A case of the kernel with its first non-empty array argument emptied. */
function shortened(kernel: KernelName): { args: Args; key: string } {
  const args = casesFor(kernel)
    .find((c) => {
      const a = c.args();
      return Object.keys(KERNEL_ARRAYS[kernel]).some(
        (k) => ArrayBuffer.isView(a[k]) && (a[k] as Float32Array).length > 0,
      );
    })!
    .args();
  const key = Object.keys(KERNEL_ARRAYS[kernel]).find(
    (k) => ArrayBuffer.isView(args[k]) && (args[k] as Float32Array).length > 0,
  )!;
  return { args: { ...args, [key]: (args[key] as Float32Array).subarray(0, 0) }, key };
}

function thrown(fn: () => void): Error | undefined {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  return undefined;
}

describe('one argument check per kernel (KERNEL_CHECKS)', () => {
  test('every kernel has one', () => {
    expect(Object.keys(KERNEL_CHECKS).sort()).toEqual([...ALL_KERNELS].sort());
  });

  test.each(ALL_KERNELS.map((k) => [k] as const))('%s accepts every case of the catalogue', (kernel) => {
    for (const c of casesFor(kernel)) checkKernelArgs(kernel, c.args() as never);
  });

  test.each(ALL_KERNELS.map((k) => [k] as const))(
    '%s refuses an empty array argument with the message the reference gives',
    (kernel) => {
      const { args } = shortened(kernel);
      const error = thrown(() => checkKernelArgs(kernel, args as never));
      expect(error).toBeInstanceOf(KernelArgumentError);
      expect(error!.message.startsWith(`${kernel}: `)).toBe(true);
      const fromReference = thrown(() => (referenceKernels[kernel] as (a: Args) => void)(args));
      expect(fromReference?.message).toBe(error!.message);
    },
  );
});
