import { describe, expect, test } from 'vitest';
import { probeMode } from './probe.js';

describe('probeMode in Node', () => {
  test('cpu is always available and says it is not a GPU', async () => {
    expect(await probeMode('cpu')).toEqual({
      mode: 'cpu',
      available: true,
      asyncAvailable: true,
      device: 'plain JavaScript on the CPU',
      hardware: false,
    });
  });

  test('webasm runs its 2×2 check in WebAssembly, not on the cpu fallback', async () => {
    const probe = await probeMode('webasm');
    expect(probe).toMatchObject({ mode: 'webasm', available: true, asyncAvailable: true, hardware: false });
    expect(probe.device).toMatch(/^WebAssembly/);
  });

  test.each([
    { mode: 'webgl2', reason: /WebGL2 is absent/ },
    { mode: 'webgpu', reason: /navigator\.gpu/ },
  ] as const)('$mode is unavailable without a browser and says why', async ({ mode, reason }) => {
    const probe = await probeMode(mode);
    expect(probe).toMatchObject({ available: false, asyncAvailable: false, device: 'none' });
    expect(probe.reason).toMatch(reason);
  });

  test('headlessgl answers either way without throwing', async () => {
    const probe = await probeMode('headlessgl');
    if (!probe.available) expect(probe.reason).toMatch(/gl/);
    else expect(probe.device.length).toBeGreaterThan(0);
  });
});
