import { readFileSync } from 'node:fs';
import { describeWithFixtures, makeRng, sharedFixture } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { TokenizerTrainError } from './errors.js';
import { Tokenizer } from './tokenizer.js';
import { type TrainByteLevelBpeOptions, trainByteLevelBpe } from './train-bpe.js';

const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];

/**
 * Seeded text over a mixed alphabet: a lexicon of made-up words from Latin, accented, CJK, kana and Hangul
 * syllables, plus emoji (ZWJ sequences included), digits and punctuation, drawn with a skewed frequency.
 */
function seededText(seed: number, words: number): string {
  const syllables = [
    'ka',
    'to',
    'ri',
    'ne',
    'su',
    'ma',
    'lo',
    'ché',
    'ü',
    'ña',
    '模',
    '型',
    '训',
    '练',
    'ト',
    'ク',
    '한',
    '국',
  ];
  const extras = ['🙂', '🚀', '👩‍💻', '🇯🇵', 'e\u0301', '42', '3.14', "it's", '(x)', '—'];
  const lexicon = makeRng(12345);
  const vocabulary = Array.from({ length: 400 }, () => {
    let w = '';
    for (let n = 1 + lexicon.int(4); n > 0; n--) w += syllables[lexicon.int(syllables.length)];
    return w;
  }).concat(extras);
  const gaps = [' ', ' ', ' ', ' ', '  ', '\n', '\t', ', ', '. ', '!\n'];
  const rng = makeRng(seed);
  let out = '';
  for (let i = 0; i < words; i++) {
    const word = vocabulary[Math.floor(rng.next() ** 2 * vocabulary.length)] as string; // common words first
    out += word + (gaps[rng.int(gaps.length)] as string);
  }
  return out;
}

const corpus = Array.from({ length: 200 }, (_, i) => seededText(i + 1, 60));
const trained = trainByteLevelBpe({
  corpus,
  vocabSize: 600,
  specialTokens: SPECIALS,
  bosToken: '<|im_start|>',
  eosToken: '<|im_end|>',
  padToken: '<|endoftext|>',
  modelMaxLength: 512,
  chatTemplate: '{{ messages }}',
});
const tok = Tokenizer.fromJSON(trained.tokenizerJson, trained.tokenizerConfig);
const utf8Length = (s: string): number => new TextEncoder().encode(s).length;

describe('trainByteLevelBpe', () => {
  test('matches an independent naive Python trainer and encoder exactly (fixtures/naive-bpe)', () => {
    const golden = JSON.parse(
      readFileSync(new URL('../fixtures/naive-bpe/naive-bpe.json', import.meta.url), 'utf8'),
    ) as {
      corpus: string[];
      specialTokens: string[];
      vocabSize: number;
      minFrequency: number;
      merges: [string, string][];
      vocab: Record<string, number>;
      samples: { text: string; ids: number[] }[];
    };
    const got = trainByteLevelBpe(golden);
    expect(got.tokenizerJson.model.merges).toEqual(golden.merges);
    const vocab = {
      ...got.tokenizerJson.model.vocab,
      ...Object.fromEntries(got.tokenizerJson.added_tokens.map((t) => [t.content, t.id])),
    };
    expect(vocab).toEqual(golden.vocab);
    const t = Tokenizer.fromJSON(got.tokenizerJson, got.tokenizerConfig);
    for (const { text, ids } of golden.samples) expect(t.encode(text), text).toEqual(ids);
  });

  test('learns up to vocabSize: 256 bytes + merges + 3 specials, specials last', () => {
    expect(tok.vocabSize).toBe(600);
    expect(trained.tokenizerJson.model.merges).toHaveLength(600 - 256 - 3);
    expect(trained.tokenizerJson.added_tokens.map((t) => [t.id, t.content, t.special])).toEqual([
      [597, '<|endoftext|>', true],
      [598, '<|im_start|>', true],
      [599, '<|im_end|>', true],
    ]);
  });

  test('round-trips arbitrary text exactly: byte-level has no unknowns', () => {
    const rng = makeRng(7);
    const ranges: [number, number][] = [
      [0x20, 0x7e],
      [0x00, 0x1f],
      [0xa0, 0x24f],
      [0x4e00, 0x9fff],
      [0x1f300, 0x1faff],
      [0x0590, 0x06ff],
      [0x0300, 0x036f],
    ];
    for (let n = 0; n < 50; n++) {
      let text = '';
      for (let i = 0; i < 40; i++) {
        const [lo, hi] = ranges[rng.int(ranges.length)] as [number, number];
        text += String.fromCodePoint(lo + rng.int(hi - lo + 1));
      }
      expect(tok.decode(tok.encode(text)), JSON.stringify(text)).toBe(text);
    }
    for (const text of [
      '',
      ' ',
      '\n\n',
      '日本語のテキスト 🙂👩‍👩‍👧‍👦',
      'never seen: Ωμέγα ∑ ⅞ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
      '\u0000\u0001 nul',
    ]) {
      expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });

  test('special tokens encode to single ids and decode back; skipSpecialTokens drops them', () => {
    const text = '<|im_start|>user\nhello 🙂<|im_end|><|endoftext|>';
    const ids = tok.encode(text);
    expect(ids[0]).toBe(598);
    expect(ids.slice(-2)).toEqual([599, 597]);
    expect(ids.filter((id) => id >= 597)).toHaveLength(3);
    expect(tok.decode(ids)).toBe(text);
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('user\nhello 🙂');
    expect([tok.bosTokenId, tok.eosTokenId, tok.padTokenId, tok.unkTokenId]).toEqual([
      598,
      599,
      597,
      undefined,
    ]);
    expect([tok.modelMaxLength, tok.chatTemplate]).toEqual([512, '{{ messages }}']);
    expect(tok.specialTokensAround).toEqual({ prefix: [], suffix: [] }); // Qwen style: nothing added
  });

  test('the merges compress the corpus: measured 3.87 (training) and 3.78 (held-out) bytes per token', () => {
    // without merges every byte is one token: 1 byte per token
    const bytes = corpus.reduce((n, t) => n + utf8Length(t), 0);
    const tokens = corpus.reduce((n, t) => n + tok.encode(t).length, 0);
    expect(bytes / tokens).toBeGreaterThan(3.5);
    const held = seededText(999, 2000);
    expect(utf8Length(held) / tok.encode(held).length).toBeGreaterThan(3.5);
  });

  test('is deterministic and independent of corpus order (ties broken by the pair strings)', () => {
    const options: TrainByteLevelBpeOptions = { corpus, vocabSize: 600, specialTokens: SPECIALS };
    const again = trainByteLevelBpe({ ...options, corpus: [...corpus].reverse() });
    expect(again.tokenizerJson.model.merges).toEqual(trained.tokenizerJson.model.merges);
  });

  test('stops early when no pair reaches minFrequency, and the vocab says so', () => {
    const small = trainByteLevelBpe({
      corpus: ['abab abab'],
      vocabSize: 1000,
      specialTokens: ['<eos>'],
      minFrequency: 2,
    });
    // words "abab" and "Ġabab": a+b (4 times), then ab+ab (twice); Ġ+abab occurs once, so training stops
    expect(small.tokenizerJson.model.merges).toEqual([
      ['a', 'b'],
      ['ab', 'ab'],
    ]);
    expect(Tokenizer.fromJSON(small.tokenizerJson, small.tokenizerConfig).vocabSize).toBe(256 + 2 + 1);
  });

  test('special tokens in the corpus are cut out before counting', () => {
    const got = trainByteLevelBpe({ corpus: ['<s><s><s><s>'], vocabSize: 300, specialTokens: ['<s>'] });
    expect(got.tokenizerJson.model.merges).toEqual([]);
  });

  test('the tokenizer_config names the specials like Qwen2.5 does', () => {
    expect(trained.tokenizerConfig).toMatchObject({
      bos_token: '<|im_start|>',
      eos_token: '<|im_end|>',
      pad_token: '<|endoftext|>',
      unk_token: null,
      add_bos_token: false,
      additional_special_tokens: [],
      clean_up_tokenization_spaces: false,
      added_tokens_decoder: { '597': { content: '<|endoftext|>', special: true } },
    });
  });

  test.each<[Partial<TrainByteLevelBpeOptions>, RegExp]>([
    [
      { vocabSize: 258 },
      /vocabSize: expected an integer from 259 \(256 bytes \+ 3 special tokens\) to 2000000, got 258/,
    ],
    [{ vocabSize: 300.5 }, /vocabSize: expected an integer/],
    [{ corpus: ['ok', 5 as unknown as string] }, /corpus\[1\]: expected a string, got number/],
    [{ specialTokens: ['<a>', '<a>'] }, /specialTokens\[1\]: expected unique tokens, got "<a>" twice/],
    [{ specialTokens: [''] }, /specialTokens\[0\]: expected a non-empty string/],
    [{ eosToken: '<eos>' }, /eosToken: expected one of specialTokens, got "<eos>"/],
    [{ minFrequency: 0 }, /minFrequency: expected a positive integer, got 0/],
  ])('rejects %j', (over, message) => {
    const options = { corpus: ['a b'], vocabSize: 300, specialTokens: SPECIALS, ...over };
    expect(() => trainByteLevelBpe(options)).toThrow(TokenizerTrainError);
    expect(() => trainByteLevelBpe(options)).toThrow(message);
  });
});

describeWithFixtures('trainByteLevelBpe on 300 KB of real text (Stanford Alpaca)', () => {
  test('compresses training and held-out text: measured 3.76 and 3.66 bytes per token at vocab 4000', () => {
    const rows = JSON.parse(
      readFileSync(sharedFixture('datasets', 'stanford_alpaca', 'alpaca_5000.json'), 'utf8'),
    ) as {
      instruction: string;
      input: string;
      output: string;
    }[];
    const texts = rows.map((r) => [r.instruction, r.input, r.output].join('\n'));
    const train: string[] = [];
    let bytes = 0;
    for (const text of texts) {
      if (bytes >= 300_000) break;
      train.push(text);
      bytes += utf8Length(text);
    }
    const result = trainByteLevelBpe({ corpus: train, vocabSize: 4000, specialTokens: ['<|endoftext|>'] });
    const t = Tokenizer.fromJSON(result.tokenizerJson, result.tokenizerConfig);
    expect(t.vocabSize).toBe(4000);
    const tokens = train.reduce((n, text) => n + t.encode(text).length, 0);
    expect(bytes / tokens).toBeGreaterThan(3.5);
    const held = texts.slice(4000, 4200);
    const heldBytes = held.reduce((n, text) => n + utf8Length(text), 0);
    const heldTokens = held.reduce((n, text) => n + t.encode(text).length, 0);
    expect(heldBytes / heldTokens).toBeGreaterThan(3.4);
    for (const text of held.slice(0, 20)) expect(t.decode(t.encode(text))).toBe(text);
  });
});
