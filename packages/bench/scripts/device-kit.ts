// Builds .device-kit/ at the repository root: everything a GPU machine with no network and no Node needs to run
// src/device-run.ts in one command — this Node binary and Dawn's (the `webgpu` package's linux-x64 build), both
// xz-compressed; device-run bundled into one file with esbuild; the PyTorch baseline's scripts; the Vulkan loader's
// Debian package (unpacked there only when the machine has no libvulkan.so.1); and run.sh. It stays under the
// device tool's 64 MiB with the working tree, and is ignored by git.
//
//   npx tsx packages/bench/scripts/device-kit.ts        then, on the device: bash .device-kit/run.sh
//
// run.sh passes its arguments to device-run (e.g. --shapes small --steps 3) and writes its JSON and log into $OUT.
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleDeviceRun } from '../src/device-bundle.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BENCH = join(ROOT, 'packages/bench');
const KIT = join(ROOT, '.device-kit');
/** the device tool's limit for the working tree and what it carries, together */
const CARRY_LIMIT = 64 * 2 ** 20;

const RUN_SH = `#!/bin/bash
# On the GPU machine, from the repository root: bash .device-kit/run.sh [device-run options]
set -euo pipefail
kit=$(cd "$(dirname "$0")" && pwd)
out=\${OUT:-$kit/out}
mkdir -p "$out" /tmp/lora-kit
unxz() { python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; }
if ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  for f in "$kit"/debs/*.deb; do dpkg -x "$f" /; done
  ldconfig
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "\${VK_ICD_FILENAMES:-}" ] && [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; fi
unxz "$kit/node.xz" /tmp/lora-kit/node && chmod +x /tmp/lora-kit/node
unxz "$kit/dawn.node.xz" "$kit/node_modules/webgpu/dist/linux-x64/dawn.node"
(nvidia-smi -L || true) | tee "$out/device-run.log"
/tmp/lora-kit/node "$kit/dist/device-run.mjs" --out "$out" "$@" 2>&1 | tee -a "$out/device-run.log"
`;

/** `from` compressed with xz into `to`. */
function xz(from: string, to: string): void {
  const fd = openSync(to, 'w');
  try {
    execFileSync('xz', ['-T0', '-6', '-c', from], { stdio: ['ignore', fd, 'inherit'] });
  } finally {
    closeSync(fd);
  }
}

/** Bytes under `path` (a file, or a folder's files). */
function sizeOf(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

async function main(): Promise<void> {
  rmSync(KIT, { recursive: true, force: true });
  mkdirSync(join(KIT, 'dist'), { recursive: true });

  // the wasm kernels the bundle embeds are generated, not tracked
  execFileSync(process.execPath, [join(ROOT, 'packages/backend-wasm/scripts/build-wasm.mjs')], {
    stdio: 'inherit',
  });
  await bundleDeviceRun(join(KIT, 'dist/device-run.mjs'));

  // the PyTorch baseline, where src/lora-step.ts looks for it from the bundle: ../python/
  mkdirSync(join(KIT, 'python'));
  for (const file of ['torch_lora_step.py', 'torch_llama.py'])
    copyFileSync(join(BENCH, 'python', file), join(KIT, 'python', file));

  // Dawn: the package's entry and its linux-x64 addon (compressed; run.sh unpacks it in place)
  const webgpu = dirname(createRequire(join(ROOT, 'packages/backend-webgpu/package.json')).resolve('webgpu'));
  const addonDir = join(KIT, 'node_modules/webgpu/dist/linux-x64');
  mkdirSync(addonDir, { recursive: true });
  for (const file of ['package.json', 'index.js', 'LICENSE.md'])
    copyFileSync(join(webgpu, file), join(KIT, 'node_modules/webgpu', file));
  xz(join(webgpu, 'dist/linux-x64/dawn.node'), join(KIT, 'dawn.node.xz'));
  xz(process.execPath, join(KIT, 'node.xz'));

  // the Vulkan loader, for a machine whose image has none
  mkdirSync(join(KIT, 'debs'));
  execFileSync('apt-get', ['download', 'libvulkan1'], { cwd: join(KIT, 'debs'), stdio: 'inherit' });

  writeFileSync(join(KIT, 'run.sh'), RUN_SH, { mode: 0o755 });

  const kit = sizeOf(KIT);
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f.length > 0)
    .reduce((sum, f) => sum + statOrZero(join(ROOT, f)), 0);
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `${relative(process.cwd(), KIT) || '.'}: ${mib(kit)}, with the tracked tree ${mib(kit + tracked)} of ${mib(CARRY_LIMIT)}`,
  );
  if (kit + tracked > CARRY_LIMIT)
    throw new Error(`device kit: expected at most ${mib(CARRY_LIMIT)} to carry, got ${mib(kit + tracked)}`);
  console.log('on the GPU machine: run with carry [".device-kit"] and the command "bash .device-kit/run.sh"');
}

function statOrZero(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // a tracked file deleted in the working tree
  }
}

main().catch((error: unknown) => {
  console.error(`device kit failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
