// The pages of the site in navigation order, with their short navigation labels. Every Markdown file in pages/
// is listed here and every entry has its file (the build and the tests check both ways).
import { fileURLToPath } from 'node:url';

export const PAGES_DIR = fileURLToPath(new URL('../pages/', import.meta.url));

export interface PageEntry {
  /** file name in pages/ without `.md` */
  name: string;
  /** the label in the navigation bar */
  nav: string;
}

export const PAGES: readonly PageEntry[] = [
  { name: 'index', nav: 'Overview' },
  { name: 'getting-started', nav: 'Getting started' },
  { name: 'quantization', nav: 'NF4' },
  { name: 'kernels', nav: 'Kernels' },
  { name: 'safetensors', nav: 'safetensors' },
  { name: 'metrics', nav: 'Metrics' },
  { name: 'models', nav: 'Models' },
  { name: 'lora', nav: 'LoRA' },
  { name: 'training', nav: 'Training' },
];
