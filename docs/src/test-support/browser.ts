// The built site in headless Chromium, for the site's browser test: the VitePress build, a static server over the
// build folder (what any static host does: `/x` is `x.html` or `x/index.html`, a missing file is the site's 404.html
// with status 404), and Debian's Chromium driven by playwright-core (headless, sandbox off for containers, no GPU,
// nothing that phones home).
import { spawn } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.LORA_CHROMIUM ?? '/usr/bin/chromium';

/** Whether the Chromium binary is here (Debian: apt-get install chromium). */
export const chromiumPresent = existsSync(CHROMIUM);

const VITEPRESS = fileURLToPath(new URL('../../node_modules/vitepress/bin/vitepress.js', import.meta.url));

/**
 * `vitepress build <docsDir> --outDir <outDir>` in a child Node. Not in the test's process: vitest runs it with
 * `--conditions development`, and under that condition VitePress's bundler cannot resolve `vue/server-renderer`.
 */
export async function buildSite(docsDir: string, outDir: string): Promise<void> {
  const child = spawn(process.execPath, [VITEPRESS, 'build', docsDir, '--outDir', outDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0)
    throw new Error(`vitepress build ${docsDir}: expected exit code 0, got ${code}:\n${output.slice(-4000)}`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Serve `root` on 127.0.0.1: a path, else its `.html`, else its folder's `index.html`; paths outside it are 404. */
export async function serveStatic(root: string): Promise<StaticServer> {
  const base = normalize(root + sep);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const candidates = [path, `${path}.html`, join(path, 'index.html')].map((p) => normalize(join(base, p)));
    void (async () => {
      for (const file of candidates) {
        if (!file.startsWith(base) || !(await isFile(file))) continue;
        const { size } = await stat(file);
        res.writeHead(200, {
          'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
          'Content-Length': size,
        });
        createReadStream(file).pipe(res);
        return;
      }
      const notFound = join(base, '404.html');
      res.writeHead(404, { 'Content-Type': TYPES['.html']! });
      if (await isFile(notFound)) createReadStream(notFound).pipe(res);
      else res.end('not found');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** the longest a page wait or navigation may take when the test names no timeout of its own */
const WAIT_MS = 120_000;

export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launch with a fresh --user-data-dir (playwright passes it for a persistent context), removed on close. */
export async function launchChromium(): Promise<LaunchedChromium> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'lora-docs-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  // Under CI's full parallel run the page shares two cores with SwiftShader's WebGPU tests: a wait or navigation
  // without its own timeout gets two minutes, not Playwright's 30 s (the demo once needed over 30 s to re-tokenize)
  context.setDefaultTimeout(WAIT_MS);
  context.setDefaultNavigationTimeout(WAIT_MS);
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
