// Trained segments by incremental rendering: for each assistant message i, the text between
// render(messages[:i], add_generation_prompt=true) and render(messages[:i+1]) is what that message adds.
// This is the mask transformers' return_assistant_tokens_mask gives a template whose {% generation %} block
// wraps exactly the assistant's output, derived without editing the template. Text a template writes only after the
// last message (an eos_token) belongs to no earlier turn.
import { describeDifference } from './describe.js';
import { ChatTemplateError } from './errors.js';
import { SegmentBuilder } from './segments.js';
import type { ChatMessage, RenderedChat } from './types.js';

/** Renders the first `count` messages, with or without the generation prompt. */
export type PrefixRenderer = (count: number, addGenerationPrompt: boolean) => string;

/**
 * Segments of `render(messages.length, addGenerationPrompt)`, trained where assistant messages add text.
 * `specialTokens` (the template's bos_token, eos_token, …) are never split between a turn and the text after it.
 * @throws ChatTemplateError naming the message where the template is not prefix-stable.
 */
export function segmentsByPrefix(
  name: string,
  messages: readonly ChatMessage[],
  render: PrefixRenderer,
  addGenerationPrompt: boolean,
  specialTokens: readonly string[] = [],
): RenderedChat {
  const full = render(messages.length, addGenerationPrompt);
  const out = new SegmentBuilder();
  let pos = 0;
  messages.forEach((message, i) => {
    if (message.role !== 'assistant') return;
    const at = `${name}: messages[${i}] (assistant)`;
    let before: string;
    try {
      before = render(i, true);
    } catch (cause) {
      throw new ChatTemplateError(
        `${at}: cannot find where it starts: rendering messages[0..${i}) with add_generation_prompt failed`,
        { cause },
      );
    }
    let through = render(i + 1, false);
    if (!through.startsWith(before)) {
      throw new ChatTemplateError(
        `${at}: the generation prompt is not how the template starts an assistant turn, ` +
          describeDifference(before, through),
      );
    }
    if (!full.startsWith(through))
      through = withoutConversationEnd(through, full, { count: messages.length, render, specialTokens });
    if (!full.startsWith(through)) {
      throw new ChatTemplateError(
        `${at}: template is not prefix-stable: messages[0..${i}] render differently when later messages follow, ` +
          describeDifference(through, full),
      );
    }
    if (before.length < pos) {
      throw new ChatTemplateError(
        `${at}: template is not prefix-stable: its prompt (${before.length} chars) ends before the previous ` +
          `assistant turn does (${pos} chars)`,
      );
    }
    if (through.length === before.length) {
      throw new ChatTemplateError(
        `${at}: the template renders nothing for this message, so nothing would train`,
      );
    }
    out.push(full.slice(pos, before.length), false).push(full.slice(before.length, through.length), true);
    pos = through.length;
  });
  return out.push(full.slice(pos), false).build();
}

/**
 * `through` (messages[0..i] rendered as the whole conversation) less the text a template writes once, after the last
 * message — Phi-3's eos_token, zephyr-gemma's — when that is where it parts from `full`: the turn itself is the same
 * text either way, so it is what trains; the closing text trains with the conversation's last message. Otherwise
 * `through` unchanged (the caller refuses it as not prefix-stable).
 */
function withoutConversationEnd(
  through: string,
  full: string,
  at: { count: number; render: PrefixRenderer; specialTokens: readonly string[] },
): string {
  let common = 0;
  while (common < through.length && through[common] === full[common]) common++;
  // "<eos>" after a turn and "<|im_start|>" after it in the whole conversation share "<": the closing starts at the
  // token, not inside it
  for (const token of at.specialTokens) {
    if (token === '') continue;
    for (let start = through.indexOf(token); start !== -1; start = through.indexOf(token, start + 1))
      if (start < common && common < start + token.length) common = start;
  }
  const closing = through.slice(common);
  return closing !== '' && at.render(at.count, false).endsWith(closing) ? through.slice(0, common) : through;
}
