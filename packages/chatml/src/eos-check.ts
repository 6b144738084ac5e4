// The most common fine-tuning bug, checked on a rendered example: the end-of-turn token is never trained (so the
// model never learns to stop), or padding shares the EOS id (so a pad-masking collator hides every EOS).
import { quote } from './describe.js';
import { ChatFormatError } from './errors.js';
import type { RenderedChat } from './types.js';

/** The input of `checkEndOfTurnSupervision`: a rendered chat, its end-of-turn token(s) and the pad token. */
export interface EndOfTurnCheck {
  rendered: RenderedChat;
  /** The token(s) that end an assistant turn: `<|im_end|>`, `</s>`, `<|eot_id|>`, `<end_of_turn>`, ... */
  eosToken: string | readonly string[];
  /** The tokenizer's pad token, if any. */
  padToken?: string | null;
}

/**
 * What `checkEndOfTurnSupervision` warns about: nothing trained, an end-of-turn token not trained, or pad
 * equal to EOS.
 */
export type EndOfTurnWarningCode = 'nothing-trained' | 'end-of-turn-not-trained' | 'pad-equals-eos';

/** One warning of `checkEndOfTurnSupervision`, with its code and message. */
export interface EndOfTurnWarning {
  code: EndOfTurnWarningCode;
  message: string;
  /** For 'end-of-turn-not-trained': which trained run (0-based: the n-th assistant turn) lacks the token. */
  turn?: number;
}

/**
 * Warnings (empty when all is well): nothing trains; a trained run (an assistant turn) does not end with an
 * end-of-turn token; the pad token equals an end-of-turn token.
 * @throws ChatFormatError when eosToken is empty.
 */
export function checkEndOfTurnSupervision(check: EndOfTurnCheck): EndOfTurnWarning[] {
  const eos = (typeof check.eosToken === 'string' ? [check.eosToken] : [...check.eosToken]).filter(
    (t) => typeof t === 'string' && t.length > 0,
  );
  if (eos.length === 0) {
    throw new ChatFormatError(
      'checkEndOfTurnSupervision: eosToken: expected a non-empty token string, got none',
    );
  }
  const names = eos.map((t) => JSON.stringify(t)).join(' or ');
  const warnings: EndOfTurnWarning[] = [];
  const trained = check.rendered.segments.filter((s) => s.train);
  if (trained.length === 0) {
    warnings.push({
      code: 'nothing-trained',
      message:
        'no segment is trained: the example has no assistant turn (or the format marks none), so it adds no loss',
    });
  }
  trained.forEach((segment, turn) => {
    const tail = segment.text.trimEnd();
    if (!eos.some((t) => tail.endsWith(t))) {
      warnings.push({
        code: 'end-of-turn-not-trained',
        turn,
        message:
          `trained turn ${turn} ends with ${quote(tail.slice(-30))}, not with ${names}: the model is never ` +
          'taught to stop there; use a format or template that puts the end-of-turn token inside the assistant turn',
      });
    }
  });
  if (check.padToken != null && eos.includes(check.padToken)) {
    warnings.push({
      code: 'pad-equals-eos',
      message:
        `pad token ${JSON.stringify(check.padToken)} equals the end-of-turn token: a collator that masks labels ` +
        'where input_ids == pad_token_id also masks every trained EOS, so the model never learns to stop. Build ' +
        'labels from the trained segments and mask padding by attention mask or sequence length instead, or use ' +
        'a pad token distinct from EOS (e.g. "<unk>" for Llama-2/TinyLlama tokenizers).',
    });
  }
  return warnings;
}
