import { describe, expect, test } from 'vitest';
import { gpuMayBePresent } from './gpu-presence.js';

const none = () => false;
const noDri = (): string[] => {
  throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
};

describe('gpuMayBePresent', () => {
  test.each(['darwin', 'win32'] as const)('%s: always worth probing', (platform) => {
    expect(gpuMayBePresent(platform, none, noDri)).toBe(true);
  });

  test('linux without any GPU device node: not worth probing', () => {
    expect(gpuMayBePresent('linux', none, noDri)).toBe(false);
    expect(gpuMayBePresent('linux', none, () => ['card0'])).toBe(false); // a display-only DRM node
  });

  test.each([
    ['a DRM render node', none, () => ['card0', 'renderD128']],
    ['an NVIDIA device', (p: string) => p === '/dev/nvidia0', noDri],
    ["WSL's /dev/dxg", (p: string) => p === '/dev/dxg', noDri],
  ])('linux with %s: worth probing', (_what, exists, list) => {
    expect(gpuMayBePresent('linux', exists, list)).toBe(true);
  });
});
