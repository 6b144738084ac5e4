// The gpu.js modes the tests can run here: each one's probe decides (cpu and webasm in plain Node).
import type { GpujsMode } from '../modes.js';
import { probeMode } from '../probe.js';

const TESTED: GpujsMode[] = ['webgpu', 'webgl2', 'headlessgl', 'webasm', 'cpu'];

export async function nodeModes(): Promise<GpujsMode[]> {
  const probes = await Promise.all(TESTED.map((mode) => probeMode(mode)));
  return probes.filter((p) => p.available).map((p) => p.mode);
}
