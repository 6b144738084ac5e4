// Llama-3 Instruct as Meta-Llama-3's chat_template renders it: <|begin_of_text|> then per message
// <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>.
import { pyStrip } from '../py-strip.js';
import { SegmentBuilder } from '../segments.js';
import type { ChatFormat, ChatMessage, RenderedChat, RenderOptions } from '../types.js';
import { checkMessages } from './shared.js';

/**
 * Trains assistant content + `<|eot_id|>`; contents are stripped as the template's `| trim` does. Llama-3.1/3.2
 * templates also write a "Cutting Knowledge Date / Today Date" preamble into the system turn: use
 * jinjaChatFormat with the model's own template for those. BOS defaults to '<|begin_of_text|>'.
 */
function renderLlama3(messages: readonly ChatMessage[], options: RenderOptions = {}): RenderedChat {
  const bos = options.bosToken ?? '<|begin_of_text|>';
  const out = new SegmentBuilder();
  checkMessages('llama3', messages).forEach((m, i) => {
    out.push(`${i === 0 ? bos : ''}<|start_header_id|>${m.role}<|end_header_id|>\n\n`, false);
    out.push(`${pyStrip(m.content)}<|eot_id|>`, m.role === 'assistant');
  });
  if (options.addGenerationPrompt) out.push('<|start_header_id|>assistant<|end_header_id|>\n\n', false);
  return out.build();
}

export const llama3Format: ChatFormat = { name: 'llama3', render: renderLlama3 };
