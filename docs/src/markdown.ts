// How the site renders the pages' Markdown, shared by the VitePress config and the tests: VitePress's own heading
// ids (the ones typedoc-vitepress-theme links to in the API reference; `## 3. Cross-entropy` is
// `#_3-cross-entropy`), and output blocks shown as output.
import type { MarkdownOptions, MarkdownRenderer } from 'vitepress';
import { OUTPUT_MARKER } from './blocks.js';

/** The class of the element that wraps an output block (styled in .vitepress/theme/custom.css). */
export const OUTPUT_CLASS = 'docs-output';

/**
 * A markdown-it plugin: the fenced block right after an `<!-- output -->` comment is wrapped in
 * `<div class="docs-output">`, which the theme captions "Output" (the comment itself is dropped).
 */
export function outputBlocks(md: MarkdownRenderer): void {
  md.core.ruler.push('lora_output_blocks', (state) => {
    const tokens = state.tokens;
    for (let i = 0; i < tokens.length - 1; i++) {
      const marker = tokens[i]!;
      if (marker.type !== 'html_block' || marker.content.trim() !== OUTPUT_MARKER) continue;
      if (tokens[i + 1]!.type !== 'fence') continue;
      marker.content = `<div class="${OUTPUT_CLASS}">\n`;
      const close = new state.Token('html_block', '', 0);
      close.content = '</div>\n';
      tokens.splice(i + 2, 0, close);
    }
    return true;
  });
}

/**
 * A markdown-it plugin: inline code is left alone by Vue (`v-pre`), so `{{` in a doc comment or a page reads as
 * text instead of a template expression (VitePress does the same for fenced blocks).
 */
export function inlineCodeVerbatim(md: MarkdownRenderer): void {
  const render = md.renderer.rules.code_inline!;
  md.renderer.rules.code_inline = (tokens, idx, options, env, self) => {
    tokens[idx]!.attrSet('v-pre', '');
    return render(tokens, idx, options, env, self);
  };
}

/** Where the deploy workflow puts the web app (apps/demo), beside the site: a separate build, not a page. */
export const DEMO_PATH = '/demo/';

/**
 * A markdown-it plugin: a link into the web app (`/demo/…`) gets the site's base and `target="_self"`, so the
 * browser loads the app instead of VitePress's router looking for a page there.
 */
export function demoLinks(md: MarkdownRenderer, base: string): void {
  md.core.ruler.push('lora_demo_links', (state) => {
    for (const token of state.tokens) {
      for (const child of token.children ?? []) {
        const href = child.type === 'link_open' ? child.attrGet('href') : null;
        if (href === null || !href.startsWith(DEMO_PATH)) continue;
        child.attrSet('href', `${base}${href.slice(1)}`);
        child.attrSet('target', '_self');
      }
    }
    return true;
  });
}

/** The Markdown options of the site served under `base` (`/` or `/name/`). */
export function markdownOptions(base = '/'): MarkdownOptions {
  return {
    config: (md) => {
      md.use(outputBlocks);
      md.use(inlineCodeVerbatim);
      md.use(demoLinks, base);
    },
  };
}
