// Run one page as one program: its ts blocks in order, in a fresh temporary working directory, with what each
// block prints through console.log / console.info captured separately, and the figure files the page shows read
// back from that directory once every block has run. The working directory, process.env and
// console are restored afterwards; the caller resets the module registry between pages (vi.resetModules), so
// each page starts from freshly loaded packages (a backend one page registers is gone for the next).
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { type CodeBlock, extractBlocks } from './blocks.js';
import { normaliseActual } from './output.js';
import { BLOCK_HOOK, pageProgram, runnableBlocks } from './program.js';

export interface FigureRun {
  /** the image's path as the page links it */
  path: string;
  /** what the page's blocks wrote to the file of that name in the working directory; undefined: no such file */
  written: string | undefined;
}

export interface BlockRun {
  block: CodeBlock;
  /** what the block printed, normalised (see output.ts) */
  printed: string;
  /** the figures the page shows under this block */
  figures: FigureRun[];
}

export interface PageRun {
  /** the page as named in messages, e.g. "pages/kernels.md" */
  page: string;
  blocks: BlockRun[];
}

let runs = 0;

export class ExampleError extends Error {
  override name = 'ExampleError';
}

export interface RunPageOptions {
  /** where the page's module is written (ignored by git, biome and tsc: a `.md.mts` file) */
  programDir: string;
  /** how the page is named in messages, e.g. "pages/guide/data.md" (also names the module file) */
  label: string;
  /** loads the module; inside vitest a plain dynamic import goes through vite (TypeScript, `@lora/source`) */
  load: (url: string) => Promise<unknown>;
}

/**
 * Run the page at `path`. Throws ExampleError naming the page and the line of the block that threw (or, when
 * the module does not compile or link, the loader's message, whose line numbers are the page's).
 */
export async function runPage(path: string, options: RunPageOptions): Promise<PageRun> {
  const markdown = await readFile(path, 'utf8');
  const blocks = runnableBlocks(extractBlocks(markdown, options.label));
  await mkdir(options.programDir, { recursive: true });
  const modulePath = join(options.programDir, moduleFileName(options.label));
  await writeFile(modulePath, pageProgram(markdown, blocks));

  const printed: string[][] = blocks.map(() => []);
  let current = -1;
  const capture = (...args: unknown[]): void => {
    if (current >= 0) printed[current]!.push(format(...args));
  };
  const saved = {
    log: console.log,
    info: console.info,
    hook: Reflect.get(globalThis, BLOCK_HOOK),
    env: { ...process.env },
  };
  const previousCwd = process.cwd();
  const cwd = await mkdtemp(join(tmpdir(), `lora-docs-${basename(path, '.md')}-`));
  const cwds = [cwd, await realpath(cwd)];
  const figures: FigureRun[][] = blocks.map(() => []);
  try {
    process.chdir(cwd);
    Reflect.set(globalThis, BLOCK_HOOK, (index: number) => {
      current = index;
    });
    console.log = capture;
    console.info = capture;
    await options.load(`${pathToFileURL(modulePath).href}?run=${++runs}`); // a new module even for a page run before
    for (const [i, block] of blocks.entries()) {
      for (const figure of block.figures ?? []) {
        const file = join(cwd, posix.basename(figure.path));
        const written = await readFile(file, 'utf8').catch(() => undefined);
        figures[i]!.push({ path: figure.path, written });
      }
    }
  } catch (cause) {
    const block = blocks[current];
    const what = block ? `the ts block at line ${block.line} threw` : 'the page does not compile or link';
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new ExampleError(`${options.label}: ${what}: ${message}`, { cause });
  } finally {
    console.log = saved.log;
    console.info = saved.info;
    Reflect.set(globalThis, BLOCK_HOOK, saved.hook);
    for (const key of Object.keys(process.env)) if (!(key in saved.env)) delete process.env[key];
    Object.assign(process.env, saved.env);
    process.chdir(previousCwd);
    await rm(cwd, { recursive: true, force: true });
  }
  return {
    page: options.label,
    blocks: blocks.map((block, i) => ({
      block,
      printed: normaliseActual(printed[i]!.join('\n'), cwds),
      figures: figures[i]!,
    })),
  };
}

/** `pages/guide/data.md` → `guide__data.md.mts`: one module file per page, whatever folder it is in. */
export function moduleFileName(label: string): string {
  return `${label.replace(/^pages\//, '').replace(/\//g, '__')}.mts`;
}
