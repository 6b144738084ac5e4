// Whether probing for a GPU is worth it on an automatic backend choice. Opening Dawn on a Linux machine without
// a GPU costs time and makes the Vulkan loader print warnings to stderr that this process cannot silence, all to
// find a software adapter the automatic choice would not take anyway. A GPU a Vulkan driver can serve has a
// device node: a DRM render node, NVIDIA's, AMD's compute node, or WSL's /dev/dxg.
import { existsSync, readdirSync } from 'node:fs';

const GPU_NODES = ['/dev/nvidia0', '/dev/nvidiactl', '/dev/kfd', '/dev/dxg'];

/** False only where the absence of a GPU is certain: Linux without any GPU device node. */
export function gpuMayBePresent(
  platform: NodeJS.Platform = process.platform,
  exists: (path: string) => boolean = existsSync,
  list: (dir: string) => string[] = readdirSync,
): boolean {
  if (platform !== 'linux') return true;
  if (GPU_NODES.some((node) => exists(node))) return true;
  try {
    return list('/dev/dri').some((name) => name.startsWith('renderD'));
  } catch {
    return false; // no /dev/dri
  }
}
