// The hand-written pages of the site, in sidebar order and grouped as the sidebar shows them. Every Markdown file
// under pages/ outside the generated reference folders is listed here, and every entry has its file (a test checks
// both ways). The VitePress config builds the sidebar from this list; the docs tests run every page in it.
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** VitePress's source folder. */
export const PAGES_DIR = fileURLToPath(new URL('../pages/', import.meta.url));

/** Folders of pages/ written by the build (TypeDoc, the CLI spec), ignored by git and by the example runner. */
export const GENERATED_DIRS = ['reference/api', 'reference/cli'] as const;

/** Folders of pages/ that hold no pages (VitePress copies public/ as is; figures are images the pages embed). */
const ASSET_DIRS = ['public', 'figures'] as const;

export interface PageEntry {
  /** path under pages/ without `.md`, `/`-separated (`guide/quick-start`) */
  name: string;
  /** the label in the sidebar */
  nav: string;
}

export interface PageGroup {
  text: string;
  items: readonly PageEntry[];
}

export const PAGE_GROUPS: readonly PageGroup[] = [
  {
    text: 'Start',
    items: [
      { name: 'index', nav: 'Overview' },
      { name: 'guide/quick-start', nav: 'Quick start' },
    ],
  },
  {
    text: 'Guides',
    items: [
      { name: 'guide/data', nav: 'Bring your own data' },
      { name: 'guide/memory', nav: 'Memory planning' },
      { name: 'guide/checkpoints', nav: 'Resume and checkpoints' },
      { name: 'guide/gpu', nav: 'GPU (WebGPU)' },
      { name: 'guide/browser', nav: 'In the browser' },
      { name: 'guide/peft', nav: 'PEFT and transformers' },
      { name: 'guide/troubleshooting', nav: 'Troubleshooting' },
    ],
  },
  {
    text: 'Recipes',
    items: [
      { name: 'recipes/qwen2.5', nav: 'Qwen2.5 with QLoRA' },
      { name: 'recipes/tinyllama', nav: 'TinyLlama with QLoRA' },
      { name: 'recipes/gpt2', nav: 'GPT-2 with QLoRA' },
    ],
  },
  {
    text: 'Walkthroughs: math → code → check',
    items: [
      { name: 'getting-started', nav: 'Text to a training batch' },
      { name: 'quantization', nav: 'NF4' },
      { name: 'kernels', nav: 'Kernels' },
      { name: 'safetensors', nav: 'safetensors' },
      { name: 'metrics', nav: 'Metrics' },
      { name: 'models', nav: 'Models' },
      { name: 'lora', nav: 'LoRA' },
      { name: 'training', nav: 'Training' },
    ],
  },
];

/** Every hand-written page, in sidebar order. */
export const PAGES: readonly PageEntry[] = PAGE_GROUPS.flatMap((g) => g.items);

/** A page's label in messages: `pages/guide/quick-start.md`. */
export function pageLabel(name: string): string {
  return `pages/${name}.md`;
}

/** The path of a page's Markdown file. */
export function pagePath(name: string, pagesDir: string = PAGES_DIR): string {
  return join(pagesDir, `${name}.md`);
}

/** The hand-written Markdown files under `pagesDir` as page names, sorted (generated and asset folders skipped). */
export function markdownPages(pagesDir: string = PAGES_DIR): string[] {
  const skipped = new Set<string>([...GENERATED_DIRS, ...ASSET_DIRS]);
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const name = relative(pagesDir, path).split(sep).join('/');
      if (entry.isDirectory()) {
        if (!skipped.has(name) && !entry.name.startsWith('.')) walk(path);
      } else if (entry.name.endsWith('.md')) {
        found.push(name.slice(0, -'.md'.length));
      }
    }
  };
  walk(pagesDir);
  return found.sort();
}
