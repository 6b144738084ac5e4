// The built site for the site's browser test (Chromium: @lora/testing/chromium): the VitePress build, and a static
// server over the build folder (what any static host does: `/x` is `x.html` or `x/index.html`, a missing file is the
// site's 404.html with status 404).
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

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
