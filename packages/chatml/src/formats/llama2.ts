// Llama-2-chat as Meta's HF chat_template renders it: <s>[INST] <<SYS>>\nsys\n<</SYS>>\n\nuser [/INST] answer </s>.
import { pyStrip } from '../py-strip.js';
import { SegmentBuilder } from '../segments.js';
import type { ChatFormat, ChatMessage, RenderedChat, RenderOptions } from '../types.js';
import { checkAlternation, checkMessages, splitSystem } from './shared.js';

/**
 * Trains ' answer </s>' (the leading space belongs to the first SentencePiece token of the answer). Contents are
 * stripped the way the template's `| trim` does (Python whitespace). There is no generation prompt: a prompt
 * already ends with ' [/INST]'. BOS defaults to '<s>', EOS to '</s>'.
 */
function renderLlama2(messages: readonly ChatMessage[], options: RenderOptions = {}): RenderedChat {
  const bos = options.bosToken ?? '<s>';
  const eos = options.eosToken ?? '</s>';
  const { system, turns, offset } = splitSystem(checkMessages('llama2', messages));
  checkAlternation('llama2', turns, offset);
  const out = new SegmentBuilder();
  turns.forEach((m, i) => {
    const content =
      i === 0 && system !== undefined ? `<<SYS>>\n${system}\n<</SYS>>\n\n${m.content}` : m.content;
    if (m.role === 'user') out.push(`${bos}[INST] ${pyStrip(content)} [/INST]`, false);
    else out.push(` ${pyStrip(content)} ${eos}`, true);
  });
  return out.build();
}

export const llama2Format: ChatFormat = { name: 'llama2', render: renderLlama2 };
