// Runs a bundled browser entry in headless Chromium: bundled by esbuild, served on 127.0.0.1 (a secure context, as
// WebGPU requires), with WebGL2 and WebGPU rendered by SwiftShader.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, chromiumFlags } from '@lora/testing/chromium';
import { build } from 'esbuild';
import { chromium, type Page } from 'playwright-core';
import type { PageReport } from './browser-page.js';

async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
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

/** An open page and how to close it (the browser and the server behind it). */
export interface ChromiumPage {
  page: Page;
  close(): Promise<void>;
}

/**
 * Bundles `entry` (a path or file URL of a TypeScript module that installs its functions on globalThis) and opens it
 * in a fresh headless Chromium page; close() ends the browser and the server.
 */
export async function openChromium(entry: string | URL): Promise<ChromiumPage> {
  const script = await bundle(entry instanceof URL ? fileURLToPath(entry) : entry);
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
  const close = async () => {
    await browser?.close();
    server.close();
  };
  let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumFlags({ gpu: true }) });
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/`); // localhost is a secure context, as WebGPU requires
    return { page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** openChromium(entry), `body` on its page, then close. */
export async function inChromium<T>(entry: string | URL, body: (page: Page) => Promise<T>): Promise<T> {
  const { page, close } = await openChromium(entry);
  try {
    return await body(page);
  } finally {
    await close();
  }
}

/** Probe `modes` in the page, check every available one against the reference, and time a size³ matmul when size > 0. */
export function runPageChecks(modes: string[], timeSize: number): Promise<PageReport> {
  return inChromium(new URL('./browser-page.ts', import.meta.url), (page) =>
    page.evaluate(
      ([m, s]) =>
        (
          globalThis as unknown as { runGpujsChecks: (m: string[], s: number) => Promise<PageReport> }
        ).runGpujsChecks(m, s),
      [modes, timeSize] as const,
    ),
  );
}
