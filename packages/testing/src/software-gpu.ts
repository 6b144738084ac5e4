// Tests run WebGPU code on a software Vulkan driver where the machine has no GPU: SwiftShader as Debian's chromium
// package ships it. Dawn reads VK_ICD_FILENAMES when it first enumerates adapters, so call this before that.
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Points the Vulkan loader at SwiftShader unless VK_ICD_FILENAMES is already set; returns the ICD used, or
 * undefined when none is installed (then a real driver, or nothing, is found).
 */
export function useSoftwareVulkan(): string | undefined {
  if (!process.env.XDG_RUNTIME_DIR) {
    const dir = join(tmpdir(), 'lora-xdg-runtime');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir; // SwiftShader's WSI probe complains without one
  }
  if (process.env.VK_ICD_FILENAMES) return process.env.VK_ICD_FILENAMES;
  if (!existsSync(SWIFTSHADER_ICD)) return undefined;
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  return SWIFTSHADER_ICD;
}
