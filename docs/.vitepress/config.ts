// The VitePress site over pages/: the sidebar from src/pages.ts plus the generated CLI and API references, local
// search, GitHub-style heading ids, and a base path from DOCS_BASE for GitHub Pages (e.g. DOCS_BASE=/lora/).
// VitePress loads this file through its own bundler, outside the `@lora/source` condition, so it imports nothing
// from the packages or the CLI: the generated sections are read from the files `pnpm --filter docs generate` wrote.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DefaultTheme, defineConfig } from 'vitepress';
import { DEMO_PATH, markdownOptions } from '../src/markdown.js';
import { PAGE_GROUPS } from '../src/pages.js';

const pagesDir = fileURLToPath(new URL('../pages/', import.meta.url));

/** `/`, or DOCS_BASE with one leading and one trailing slash. */
export function basePath(value: string | undefined): string {
  const trimmed = (value ?? '').trim().replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : `/${trimmed}/`;
}

const base = basePath(process.env.DOCS_BASE);
/** The repository's web address: DOCS_REPO_URL, else the GitHub repository a workflow runs in, else none. */
const repo =
  process.env.DOCS_REPO_URL ??
  (process.env.GITHUB_REPOSITORY ? `https://github.com/${process.env.GITHUB_REPOSITORY}` : undefined);
/** The web app (apps/demo): the deploy workflow builds it into demo/ beside the docs; DOCS_DEMO_URL overrides. */
const demo = process.env.DOCS_DEMO_URL ?? DEMO_PATH;

function readSidebar(file: string): DefaultTheme.SidebarItem[] {
  const path = `${pagesDir}${file}`;
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as DefaultTheme.SidebarItem[]) : [];
}

const link = (name: string) => `/${name === 'index' ? '' : name}`;

const sidebar: DefaultTheme.SidebarItem[] = [
  ...PAGE_GROUPS.map((group) => ({
    text: group.text,
    items: group.items.map((p) => ({ text: p.nav, link: link(p.name) })),
  })),
  {
    text: 'CLI reference',
    collapsed: true,
    items: [
      { text: 'The lora command', link: '/reference/cli/' },
      ...readSidebar('reference/cli/sidebar.json'),
    ],
  },
  {
    text: 'API reference',
    collapsed: true,
    items: [
      { text: 'Packages', link: '/reference/api/' },
      ...readSidebar('reference/api/typedoc-sidebar.json'),
    ],
  },
];

export default defineConfig({
  title: '@lora',
  description:
    'LoRA and QLoRA fine-tuning of small language models in TypeScript, in Node and in the browser.',
  lang: 'en-US',
  base,
  srcDir: 'pages',
  srcExclude: ['**/README.md'],
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: `${base}favicon.svg` }]],
  markdown: markdownOptions(base),
  // the local search index (all pages, the API reference included) is one chunk, loaded when search opens
  vite: { build: { chunkSizeWarningLimit: 2048 } },
  themeConfig: {
    logo: '/favicon.svg',
    nav: [
      { text: 'Quick start', link: '/guide/quick-start' },
      { text: 'Guides', link: '/guide/data' },
      { text: 'Recipes', link: '/recipes/qwen2.5' },
      {
        text: 'Reference',
        items: [
          { text: 'CLI', link: '/reference/cli/' },
          { text: 'API', link: '/reference/api/' },
        ],
      },
      { text: 'Web app', link: demo, target: '_self' },
      ...(repo ? [{ text: 'Repository', link: repo }] : []),
    ],
    sidebar,
    outline: { level: [2, 3] },
    search: { provider: 'local' },
    socialLinks: repo ? [{ icon: 'github', link: repo }] : [],
    ...(repo ? { editLink: { pattern: `${repo}/edit/main/docs/pages/:path`, text: 'Edit this page' } } : {}),
    footer: { message: 'MIT licensed. Every TypeScript example on these pages runs in the test suite.' },
  },
});
