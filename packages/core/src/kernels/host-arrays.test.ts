import { describe, expect, test } from 'vitest';
import { casesFor } from './cases/catalogue.js';
import { KernelArgumentError } from './check.js';
import { checkHostArrays, KERNEL_ARRAYS } from './host-arrays.js';
import { HOST_KERNEL_NAMES, KERNEL_NAMES } from './types.js';

const ALL_KERNELS = [...KERNEL_NAMES, ...HOST_KERNEL_NAMES];

describe('checkHostArrays: the exact typed array of every array argument', () => {
  test.each(ALL_KERNELS.map((k) => [k] as const))('%s: every case of the catalogue passes', (kernel) => {
    for (const c of casesFor(kernel)) checkHostArrays(kernel, c.args());
  });

  test.each(ALL_KERNELS.map((k) => [k] as const))(
    '%s: a Float64Array in place of each array argument is refused, naming it',
    (kernel) => {
      const args = casesFor(kernel)[0]!.args();
      for (const [key, dtype] of Object.entries(KERNEL_ARRAYS[kernel])) {
        const wrong = { ...args, [key]: new Float64Array(4) };
        const want =
          dtype === 'f32|i32'
            ? 'a Float32Array or an Int32Array'
            : { f32: 'a Float32Array', i32: 'an Int32Array', u8: 'a Uint8Array' }[dtype as 'f32'];
        expect(() => checkHostArrays(kernel, wrong)).toThrow(KernelArgumentError);
        expect(() => checkHostArrays(kernel, wrong)).toThrow(
          `${kernel}: ${key} expected ${want}, got Float64Array`,
        );
      }
    },
  );

  test('an absent optional array is fine; an Int32Array where an F32 belongs is not', () => {
    const args = casesFor('rmsnormBackward')
      .find((c) => c.name.endsWith('(dx only)'))!
      .args();
    expect(args.dweightAccumulate).toBeUndefined();
    expect(() => checkHostArrays('rmsnormBackward', args)).not.toThrow();
    expect(() => checkHostArrays('rmsnormBackward', { ...args, dx: new Int32Array(4) })).toThrow(
      'rmsnormBackward: dx expected a Float32Array, got Int32Array',
    );
  });
});
