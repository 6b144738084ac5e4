// Gemma instruct as Gemma-3's chat_template renders it (Gemma 1/2 are the same without a system message):
// <bos><start_of_turn>user\n...<end_of_turn>\n<start_of_turn>model\n...<end_of_turn>\n.
import { pyStrip } from '../py-strip.js';
import { SegmentBuilder } from '../segments.js';
import type { ChatFormat, ChatMessage, RenderedChat, RenderOptions } from '../types.js';
import { checkAlternation, checkMessages, splitSystem } from './shared.js';

/**
 * A leading system message is folded into the first user turn as `system + '\n\n'` (Gemma-3's template; Gemma 1/2
 * templates raise on a system role instead). Trains the model's content + `<end_of_turn>\n`; contents are stripped
 * as the template's `| trim` does. BOS defaults to '<bos>'.
 */
function renderGemma(messages: readonly ChatMessage[], options: RenderOptions = {}): RenderedChat {
  const bos = options.bosToken ?? '<bos>';
  const { system, turns, offset } = splitSystem(checkMessages('gemma', messages));
  checkAlternation('gemma', turns, offset);
  const out = new SegmentBuilder().push(bos, false);
  turns.forEach((m, i) => {
    const role = m.role === 'assistant' ? 'model' : m.role;
    const prefix = i === 0 && system !== undefined ? `${system}\n\n` : '';
    out.push(`<start_of_turn>${role}\n${prefix}`, false);
    out.push(`${pyStrip(m.content)}<end_of_turn>\n`, m.role === 'assistant');
  });
  if (options.addGenerationPrompt) out.push('<start_of_turn>model\n', false);
  return out.build();
}

export const gemmaFormat: ChatFormat = { name: 'gemma', render: renderGemma };
