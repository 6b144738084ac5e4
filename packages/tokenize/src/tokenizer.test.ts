import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TokenizationError, TokenizerLoadError } from './errors.js';
import { Tokenizer } from './tokenizer.js';
import { trainByteLevelBpe } from './train-bpe.js';

type Model = 'qwen' | 'tinyllama' | 'gpt2';
const DIRS: Record<Model, string> = {
  qwen: 'qwen2.5-instruct',
  tinyllama: 'tinyllama-1.1b-chat-v1.0',
  gpt2: 'gpt2',
};

describeWithFixtures('the shipped tokenizers: special tokens, chat bits, batches', () => {
  const tok = {} as Record<Model, Tokenizer>;
  const json = (...parts: string[]): Record<string, unknown> =>
    JSON.parse(readFileSync(sharedFixture(...parts), 'utf8'));
  beforeAll(async () => {
    for (const m of Object.keys(DIRS) as Model[]) tok[m] = await Tokenizer.fromDir(sharedFixture(DIRS[m]));
  });

  // tokenizer_config.json values; GPT-2's file names none, so GPT2TokenizerFast's defaults apply, as in transformers
  test.each([
    [
      'qwen',
      undefined,
      undefined,
      '<|im_end|>',
      151645,
      '<|endoftext|>',
      151643,
      undefined,
      undefined,
      151665,
      131072,
    ],
    ['tinyllama', '<s>', 1, '</s>', 2, '</s>', 2, '<unk>', 0, 32000, 2048],
    [
      'gpt2',
      '<|endoftext|>',
      50256,
      '<|endoftext|>',
      50256,
      undefined,
      undefined,
      '<|endoftext|>',
      50256,
      50257,
      1024,
    ],
  ] as const)(
    '%s: bos %s (%s), eos %s (%s), pad %s (%s), unk %s (%s), %i tokens, max length %i',
    (m, bos, bosId, eos, eosId, pad, padId, unk, unkId, size, max) => {
      const t = tok[m];
      expect([t.bosToken, t.bosTokenId, t.eosToken, t.eosTokenId]).toEqual([bos, bosId, eos, eosId]);
      expect([t.padToken, t.padTokenId, t.unkToken, t.unkTokenId]).toEqual([pad, padId, unk, unkId]);
      expect(t.vocabSize).toBe(size);
      expect(t.modelMaxLength).toBe(max);
    },
  );

  test.each([
    ['qwen', 'config.qwen2.5-0.5b-instruct.resaved-4.49.json'],
    ['tinyllama', 'config.json'],
    ['gpt2', 'config.json'],
  ] as const)("%s: eos id agrees with the model's %s", (m, file) => {
    expect(tok[m].eosTokenId).toBe(json(DIRS[m], file).eos_token_id);
  });

  test('GPT-2 without its config.json has no bos/eos: the tokenizer class comes from model_type', () => {
    const bare = Tokenizer.fromJSON(json('gpt2', 'tokenizer.json'), json('gpt2', 'tokenizer_config.json'));
    expect([bare.bosTokenId, bare.eosTokenId]).toEqual([undefined, undefined]);
  });

  test('Qwen: <|im_start|>user\\nhi<|im_end|> and its decodes', () => {
    const ids = tok.qwen.encode('<|im_start|>user\nhi<|im_end|>');
    expect(ids).toEqual([151644, 872, 198, 6023, 151645]);
    expect(tok.qwen.decode(ids)).toBe('<|im_start|>user\nhi<|im_end|>');
    expect(tok.qwen.decode(ids, { skipSpecialTokens: true })).toBe('user\nhi');
  });

  test('Qwen: <tool_call> is an added token but not special, so skipSpecialTokens keeps it', () => {
    const ids = tok.qwen.encode('<tool_call>{}</tool_call><|im_end|>');
    expect(ids).toEqual([151657, 6257, 151658, 151645]);
    expect(tok.qwen.decode(ids, { skipSpecialTokens: true })).toBe('<tool_call>{}</tool_call>');
    expect(tok.qwen.specialTokenIds.size).toBe(14);
    expect(tok.qwen.addedTokens).toHaveLength(22);
    expect(tok.qwen.addedTokens[14]).toEqual({ id: 151657, content: '<tool_call>', special: false });
  });

  test('chat templates are tokenizer_config.json strings; GPT-2 has none', () => {
    expect(tok.qwen.chatTemplate).toBe(json(DIRS.qwen, 'tokenizer_config.json').chat_template);
    expect(tok.tinyllama.chatTemplate).toBe(json(DIRS.tinyllama, 'tokenizer_config.json').chat_template);
    expect(tok.gpt2.chatTemplate).toBeUndefined();
  });

  test('TinyLlama adds <s> once; Qwen and GPT-2 add nothing', () => {
    expect(tok.tinyllama.specialTokensAround).toEqual({ prefix: [1], suffix: [] });
    expect(tok.qwen.specialTokensAround).toEqual({ prefix: [], suffix: [] });
    expect(tok.gpt2.specialTokensAround).toEqual({ prefix: [], suffix: [] });
    const bare = tok.tinyllama.encode('Hello world', { addSpecialTokens: false });
    expect(bare).toEqual([15043, 3186]);
    expect(tok.tinyllama.encode('Hello world')).toEqual([1, ...bare]);
    expect(tok.tinyllama.decode([1, ...bare])).toBe('<s> Hello world');
    expect(tok.tinyllama.decode([1, ...bare, 2], { skipSpecialTokens: true })).toBe('Hello world');
  });

  test.each([
    [{ add_eos_token: true }, [1, 15043, 3186, 2]],
    [{ add_bos_token: false }, [15043, 3186]], // overrides the tokenizer.json post_processor, as transformers does
    [{ add_bos_token: false, add_eos_token: true }, [15043, 3186, 2]],
  ])('TinyLlama with %j: %j (never a doubled <s>)', (flags, ids) => {
    const config = { ...json(DIRS.tinyllama, 'tokenizer_config.json'), ...flags };
    expect(Tokenizer.fromJSON(json(DIRS.tinyllama, 'tokenizer.json'), config).encode('Hello world')).toEqual(
      ids,
    );
  });

  test('batch padding: right by default, left on request, with pad id and zero mask', () => {
    const texts = ['hi', 'Hello world, how are you?'];
    const [a, b] = texts.map((t) => tok.qwen.encode(t)) as [number[], number[]];
    const pad = new Array<number>(b.length - a.length).fill(151643);
    const mask = (n: number, zeros: number) => [
      ...new Array<number>(n).fill(1),
      ...new Array<number>(zeros).fill(0),
    ];
    expect(tok.qwen.encodeBatch(texts, { padding: 'longest' })).toEqual({
      inputIds: [[...a, ...pad], b],
      attentionMask: [mask(a.length, pad.length), mask(b.length, 0)],
    });
    const left = tok.qwen.encodeBatch(texts, { padding: 'longest', paddingSide: 'left' });
    expect(left.inputIds[0]).toEqual([...pad, ...a]);
    expect(left.attentionMask[0]).toEqual([
      ...new Array<number>(pad.length).fill(0),
      ...new Array<number>(a.length).fill(1),
    ]);
  });

  test("batch truncation keeps TinyLlama's <s>, on either side", () => {
    const text = 'The quick brown fox jumps over the lazy dog';
    const content = tok.tinyllama.encode(text, { addSpecialTokens: false });
    expect(tok.tinyllama.encodeBatch([text], { truncation: true, maxLength: 4 }).inputIds).toEqual([
      [1, ...content.slice(0, 3)],
    ]);
    expect(
      tok.tinyllama.encodeBatch([text], { truncation: true, maxLength: 4, truncationSide: 'left' }).inputIds,
    ).toEqual([[1, ...content.slice(-3)]]);
  });

  test('batch errors: no pad token (GPT-2) and a too-long text without truncation', () => {
    expect(() => tok.gpt2.encodeBatch(['a', 'b c'], { padding: 'longest' })).toThrow(/needs a pad token/);
    expect(() => tok.qwen.encodeBatch(['short', 'a much longer text here'], { maxLength: 3 })).toThrow(
      /text 1 is 5 tokens long: expected at most maxLength 3/,
    );
  });

  test('withPadToken chooses a pad token explicitly', () => {
    const gpt2 = tok.gpt2.withPadToken('<|endoftext|>');
    expect(gpt2.padTokenId).toBe(50256);
    expect(tok.gpt2.padTokenId).toBeUndefined(); // the original is unchanged
    expect(gpt2.encodeBatch(['a', 'a a'], { padding: 'longest' }).inputIds).toEqual([
      [64, 50256],
      [64, 257],
    ]);
    expect(() => tok.gpt2.withPadToken('<nope>')).toThrow(
      /withPadToken: expected a token of the vocabulary, got "<nope>"/,
    );
  });
});

describe('loading and input errors', () => {
  const specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
  const trained = trainByteLevelBpe({
    corpus: ['hello world, hello tokenizer', 'the world says hello'],
    vocabSize: 280,
    specialTokens: specials,
    eosToken: '<|im_end|>',
  });
  const { tokenizerJson, tokenizerConfig } = trained;
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lora-tokenize-load-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));
  const folder = async (name: string, files: Record<string, string>): Promise<string> => {
    const { mkdir } = await import('node:fs/promises');
    const sub = join(dir, name);
    await mkdir(sub, { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(join(sub, file), text);
    return sub;
  };

  test('a folder without tokenizer.json', async () => {
    const sub = await folder('empty', {});
    await expect(Tokenizer.fromDir(sub)).rejects.toThrow(TokenizerLoadError);
    await expect(Tokenizer.fromDir(sub)).rejects.toThrow(
      `${join(sub, 'tokenizer.json')}: expected a readable JSON file, got: the file does not exist`,
    );
  });

  test('invalid JSON names the file, line and column', async () => {
    const sub = await folder('bad-json', {
      'tokenizer.json': '{\n  "model": {\n    "type": "BPE",,\n  }\n}',
    });
    await expect(Tokenizer.fromDir(sub)).rejects.toThrow(
      /tokenizer\.json: expected valid JSON, got a parse error at line 3 column 19/,
    );
  });

  test('an unsupported model type', () => {
    const wordLevel = { ...tokenizerJson, model: { type: 'WordLevel', vocab: {}, unk_token: '<unk>' } };
    expect(() => Tokenizer.fromJSON(wordLevel)).toThrow(
      /tokenizer\.json: model\.type: expected one of BPE, WordPiece, Unigram, got "WordLevel" \(unsupported model type\)/,
    );
  });

  test.each([
    [null, /tokenizer\.json: expected a JSON object, got null/],
    [{}, /tokenizer\.json: model: expected an object, got none/],
    [[1, 2], /tokenizer\.json: expected a JSON object, got an array/],
  ])('tokenizer.json %j', (value, message) => {
    expect(() => Tokenizer.fromJSON(value)).toThrow(message);
  });

  test.each([
    [
      { eos_token: '<|nope|>' },
      /tokenizer_config\.json: eos_token: expected a token of the vocabulary, got "<\|nope\|>"/,
    ],
    [
      { bos_token: null, add_bos_token: true },
      /tokenizer_config\.json: add_bos_token is true: expected a bos_token, got none/,
    ],
    [{ model_max_length: 'long' }, /model_max_length: expected a positive number, got "long"/],
    [{ padding_side: 'up' }, /padding_side: expected "left" or "right", got "up"/],
    [
      { chat_template: 42 },
      /chat_template: expected a string or a list of \{name, template\}, got number 42/,
    ],
  ])('tokenizer_config.json %j', (over, message) => {
    expect(() => Tokenizer.fromJSON(tokenizerJson, { ...tokenizerConfig, ...over })).toThrow(message);
  });

  test('fromDir prefixes config errors with the folder', async () => {
    const sub = await folder('bad-config', {
      'tokenizer.json': JSON.stringify(tokenizerJson),
      'tokenizer_config.json': JSON.stringify({ ...tokenizerConfig, pad_token: '<|nope|>' }),
    });
    await expect(Tokenizer.fromDir(sub)).rejects.toThrow(
      `${join(sub, 'tokenizer_config.json')}: pad_token: expected a token`,
    );
  });

  test('special_tokens_map.json fills in a legacy tokenizer_config.json', async () => {
    const { added_tokens_decoder: _, ...legacy } = tokenizerConfig;
    const sub = await folder('legacy', {
      'tokenizer.json': JSON.stringify(tokenizerJson),
      'tokenizer_config.json': JSON.stringify({ ...legacy, pad_token: undefined }),
      'special_tokens_map.json': JSON.stringify({
        pad_token: { content: '<|endoftext|>' },
        eos_token: '<|im_end|>',
      }),
    });
    const t = await Tokenizer.fromDir(sub);
    expect([t.padToken, t.padTokenId, t.eosToken]).toEqual([
      '<|endoftext|>',
      t.tokenToId('<|endoftext|>'),
      '<|im_end|>',
    ]);
  });

  test('model_max_length 1e30 means no limit; a named chat_template list becomes a record', () => {
    const t = Tokenizer.fromJSON(tokenizerJson, {
      ...tokenizerConfig,
      model_max_length: 1e30,
      chat_template: [
        { name: 'default', template: '{{ messages }}' },
        { name: 'tool_use', template: '{{ tools }}' },
      ],
    });
    expect(t.modelMaxLength).toBeUndefined();
    expect(t.chatTemplate).toEqual({ default: '{{ messages }}', tool_use: '{{ tools }}' });
  });

  test('encode/decode input errors', () => {
    const t = Tokenizer.fromJSON(tokenizerJson, tokenizerConfig);
    expect(() => t.encode(42 as unknown as string)).toThrow(TokenizationError);
    expect(() => t.encode(42 as unknown as string)).toThrow(/encode: text: expected a string, got number/);
    expect(() => t.encodeBatch(['ok', null as unknown as string])).toThrow(
      /encodeBatch: texts\[1\]: expected a string, got null/,
    );
    // ids past the vocabulary (a model's padded embedding rows) are skipped, as Hugging Face tokenizers do
    expect(t.decode([t.eosTokenId as number, 99999])).toBe(t.decode([t.eosTokenId as number]));
    expect(() => t.decode([1.5])).toThrow(/decode: ids\[0\]: expected a non-negative integer token id, got 1.5/);
    expect(() => t.decode([-1])).toThrow(TokenizationError);
    expect(t.decode([])).toBe('');
    expect(t.decode([t.eosTokenId as number], { skipSpecialTokens: true })).toBe('');
    expect(() => t.encodeBatch(['a', 'b'], { padding: 'longest' })).toThrow(/needs a pad token/);
  });

  test("idToToken/tokenToId are each other's inverse, and undefined outside the vocabulary", () => {
    const t = Tokenizer.fromJSON(tokenizerJson, tokenizerConfig);
    for (let id = 0; id < t.vocabSize; id++) expect(t.tokenToId(t.idToToken(id) as string)).toBe(id);
    expect(t.idToToken(t.vocabSize)).toBeUndefined();
    expect(t.idToToken(-1)).toBeUndefined();
    expect(t.tokenToId('not a token')).toBeUndefined();
  });
});

describe('Unigram models', () => {
  const vocab: [string, number][] = [
    ['<pad>', 0],
    ['</s>', 0],
    ['<unk>', 0],
    ['▁hello', -1],
    ['▁world', -2],
    ...[...'▁helowrd'].map((c): [string, number] => [c, -3]),
  ];
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
  const unigram = (model: Record<string, unknown>) => ({
    version: '1.0',
    model: { type: 'Unigram', unk_id: 2, vocab, ...model },
    normalizer: null,
    pre_tokenizer: metaspace,
    post_processor: null,
    decoder: metaspace,
    added_tokens: [],
  });

  test('a well-formed one encodes and decodes, unknown characters as its unk_id', () => {
    const t = Tokenizer.fromJSON(unigram({}), {});
    expect(t.encode('hello world')).toEqual([3, 4]);
    expect(t.encode('hello zz world')).toEqual([3, 5, 2, 4]); // ▁hello ▁ <unk> ▁world
    expect(t.decode([3, 4])).toBe('hello world');
  });

  test('without an unk_id an unknown character is a TokenizationError, not a null id', () => {
    const t = Tokenizer.fromJSON(unigram({ unk_id: null }), {});
    expect(t.encode('hello world')).toEqual([3, 4]);
    expect(() => t.encode('hello zz')).toThrow(TokenizationError);
    expect(() => t.encode('hello zz')).toThrow(/has no id: expected a vocabulary with an unk_token/);
  });

  test.each([
    [
      'a vocab mapping (the BPE shape)',
      { vocab: Object.fromEntries(vocab) },
      'tokenizer.json: model.vocab: expected a non-empty array of [token, score] pairs for a Unigram model, got an object',
    ],
    [
      'an empty vocab',
      { vocab: [] },
      'tokenizer.json: model.vocab: expected a non-empty array of [token, score] pairs for a Unigram model, got an empty array',
    ],
    [
      'no vocab',
      { vocab: undefined },
      'tokenizer.json: model.vocab: expected a non-empty array of [token, score] pairs for a Unigram model, got none',
    ],
    [
      'a null token',
      { vocab: [...vocab.slice(0, 5), [null, -1]] },
      'tokenizer.json: model.vocab[5]: expected a [token, score] pair (a string and a finite number), got [null, number -1]',
    ],
    [
      'a score that is not a number',
      { vocab: [...vocab.slice(0, 3), ['▁a', 'high']] },
      'tokenizer.json: model.vocab[3]: expected a [token, score] pair (a string and a finite number), got ["▁a", "high"]',
    ],
    [
      'an unk_id past the vocabulary',
      { unk_id: 99 },
      `tokenizer.json: model.unk_id: expected null or an index into model.vocab (0 to ${vocab.length - 1}), got number 99`,
    ],
  ])('%s is refused naming the key', (_, model, message) => {
    expect(() => Tokenizer.fromJSON(unigram(model), {})).toThrow(new TokenizerLoadError(message));
  });

  test('a BPE model whose vocab is a list names the key', () => {
    const bpe = { ...unigram({}), model: { type: 'BPE', vocab: [['a', 0]], merges: [] } };
    expect(() => Tokenizer.fromJSON(bpe, {})).toThrow(
      'tokenizer.json: model.vocab: expected an object mapping tokens to ids for a BPE model, got an array',
    );
  });
});
