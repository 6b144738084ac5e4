// ChatML as Qwen2/2.5 render it: <|im_start|>role\ncontent<|im_end|>\n (no default system prompt is added here).
import { SegmentBuilder } from '../segments.js';
import type { ChatFormat, ChatMessage, RenderedChat, RenderOptions } from '../types.js';
import { checkMessages } from './shared.js';

/**
 * Trains each assistant message's content plus `<|im_end|>\n`. The newline after `<|im_end|>` is trained, as in
 * TRL's generation-tagged Qwen2.5 training template and in what incremental rendering of Qwen's own template gives;
 * the `<|im_start|>assistant\n` header is the generation prompt and is not trained.
 */
function renderChatml(messages: readonly ChatMessage[], options: RenderOptions = {}): RenderedChat {
  const out = new SegmentBuilder();
  for (const m of checkMessages('chatml', messages)) {
    const train = m.role === 'assistant';
    out.push(`<|im_start|>${m.role}\n`, false);
    out.push(`${m.content}<|im_end|>\n`, train);
  }
  if (options.addGenerationPrompt) out.push('<|im_start|>assistant\n', false);
  return out.build();
}

export const chatmlFormat: ChatFormat = { name: 'chatml', render: renderChatml };
