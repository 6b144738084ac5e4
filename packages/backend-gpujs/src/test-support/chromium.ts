// Runs test-support/browser-page.ts in headless Chromium: bundled by esbuild, served on 127.0.0.1 (a secure context,
// as WebGPU requires), with WebGL2 and WebGPU rendered by SwiftShader.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { PageReport } from './browser-page.js';

export const CHROMIUM = process.env.LORA_CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** Whether the Chromium binary is here (Debian: apt-get install chromium). */
export const chromiumPresent = existsSync(CHROMIUM);
async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./browser-page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@lora/source'],
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Probe `modes` in the page, check every available one against the reference, and time a size³ matmul when size > 0. */
export async function runPageChecks(modes: string[], timeSize: number): Promise<PageReport> {
  const script = await bundle();
  const server = createServer((req, res) => {
    if (req.url === '/page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><script src="/page.js"></script>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`); // localhost is a secure context, as WebGPU requires
    return await page.evaluate(
      ([m, s]) =>
        (
          globalThis as unknown as { runGpujsChecks: (m: string[], s: number) => Promise<PageReport> }
        ).runGpujsChecks(m, s),
      [modes, timeSize] as const,
    );
  } finally {
    await browser.close();
    server.close();
  }
}
