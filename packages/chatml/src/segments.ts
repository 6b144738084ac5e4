// Builds RenderedChat values: appends text runs, drops empty ones, merges neighbours with the same `train` flag.
import type { ChatSegment, RenderedChat } from './types.js';

export class SegmentBuilder {
  readonly #segments: ChatSegment[] = [];

  /** Append `text` as trained or untrained; empty text is ignored. */
  push(text: string, train: boolean): this {
    if (text.length === 0) return this;
    const last = this.#segments.at(-1);
    if (last && last.train === train) last.text += text;
    else this.#segments.push({ text, train });
    return this;
  }

  build(): RenderedChat {
    const segments = this.#segments.map((s) => ({ ...s }));
    return { text: segments.map((s) => s.text).join(''), segments };
  }
}

/** The texts of the trained segments, in order (what an assistant-only loss learns). */
export function trainedTexts(rendered: RenderedChat): string[] {
  return rendered.segments.filter((s) => s.train).map((s) => s.text);
}
