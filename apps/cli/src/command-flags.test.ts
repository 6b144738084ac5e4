// --help names each option's aliases and every default (booleans too); an unknown flag gets a did-you-mean over
// every name of the verb (the Hugging Face spelling --learning_rate finds --learning-rate), or the verbs that have it.
import { describe, expect, test } from 'vitest';
import { helpSuffix, unknownFlagMessage } from './command-flags.js';
import type { OptionSpec } from './option-spec.js';
import { VERBS } from './verbs.js';

const train = VERBS.find((v) => v.name === 'train')!;
const specOf = (key: string): OptionSpec => train.options.find((s) => s.key === key)!;

describe('helpSuffix', () => {
  test.each([
    ['lr', ' (default: 0.0002; also --learning-rate)'],
    ['epochs', ' (default: 3; also --num-train-epochs, --num-epochs)'],
    ['lora_r', ' (default: 8; also r: in a config)'],
    ['data', ' (also datasets: in a config)'],
    ['packing', ' (default: false; also --sample-packing)'],
    ['shuffle', ' (default: true; --no-shuffle turns it off)'],
    ['quant', ' (one of nf4, fp4, none; default: nf4; also --load-in-4bit, --bnb-4bit-quant-type)'],
    ['max_samples', ''],
  ])('%s', (key, suffix) => {
    expect(helpSuffix(specOf(key))).toBe(suffix);
  });
});

describe('unknownFlagMessage', () => {
  test.each([
    [
      '--learning-rat',
      'train',
      "unknown option '--learning-rat' for lora train (did you mean --learning-rate?)",
    ],
    [
      '--learning_rate',
      'train',
      "unknown option '--learning_rate' for lora train (did you mean --learning-rate?)",
    ],
    ['--lora-rank', 'train', "unknown option '--lora-rank' for lora train (did you mean --lora-r?)"],
    ['--lr', 'chat', "unknown option '--lr' for lora chat (an option of lora train, sweep)"],
    ['--zzzz', 'train', "unknown option '--zzzz' for lora train"],
  ])('%s for %s', (flag, verb, message) => {
    expect(unknownFlagMessage(flag, verb, VERBS)).toBe(message);
  });
});
