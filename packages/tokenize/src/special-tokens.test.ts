import { describe, expect, test } from 'vitest';
import { TokenizerLoadError } from './errors.js';
import { bosEosFlags, resolveSpecialTokens, tokenContent, tokenizerClassOf } from './special-tokens.js';

const added = { content: '</s>', lstrip: false, normalized: false, rstrip: false, single_word: false };

describe('tokenContent', () => {
  test.each([
    ['<s>', '<s>'],
    [added, '</s>'],
    [null, undefined],
    [undefined, undefined],
  ])('%j -> %j', (value, expected) => {
    expect(tokenContent(value, 'where')).toBe(expected);
  });

  test.each([[42], [{ id: 1 }], [['<s>']]])('rejects %j naming the key', (value) => {
    expect(() => tokenContent(value, 'tokenizer_config.json: eos_token')).toThrow(TokenizerLoadError);
    expect(() => tokenContent(value, 'tokenizer_config.json: eos_token')).toThrow(
      /tokenizer_config\.json: eos_token: expected/,
    );
  });
});

describe('tokenizerClassOf', () => {
  test.each([
    [{ tokenizer_class: 'LlamaTokenizerFast' }, undefined, 'LlamaTokenizer'],
    [{ tokenizer_class: 'Qwen2Tokenizer' }, { model_type: 'llama' }, 'Qwen2Tokenizer'],
    [{ model_max_length: 1024 }, { model_type: 'gpt2' }, 'GPT2Tokenizer'],
    [{}, { model_type: 'mystery' }, undefined],
    [undefined, undefined, undefined],
  ])('%j with config.json %j -> %s', (config, modelConfig, expected) => {
    expect(tokenizerClassOf(config, modelConfig)).toBe(expected);
  });
});

describe('resolveSpecialTokens', () => {
  test.each([
    {
      name: 'strings and AddedToken objects from tokenizer_config.json',
      config: { bos_token: '<s>', eos_token: added, pad_token: null },
      map: undefined,
      cls: undefined,
      named: { bos_token: '<s>', eos_token: '</s>' },
    },
    {
      name: 'special_tokens_map.json overrides a legacy config (no added_tokens_decoder)',
      config: { eos_token: '<a>', pad_token: '<p>' },
      map: { eos_token: { content: '<b>' } },
      cls: undefined,
      named: { eos_token: '<b>', pad_token: '<p>' },
    },
    {
      name: 'special_tokens_map.json is ignored next to added_tokens_decoder, as transformers does',
      config: { added_tokens_decoder: {}, eos_token: '<a>' },
      map: { eos_token: '<b>', pad_token: '<p>' },
      cls: undefined,
      named: { eos_token: '<a>' },
    },
    {
      name: 'class defaults fill absent keys (GPT-2: bos = eos = unk = <|endoftext|>)',
      config: { model_max_length: 1024 },
      map: undefined,
      cls: 'GPT2Tokenizer',
      named: { bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>' },
    },
    {
      name: 'an explicit null beats the class default (Qwen2.5: bos_token null, unk_token null)',
      config: { bos_token: null, unk_token: null, eos_token: '<|im_end|>' },
      map: undefined,
      cls: 'Qwen2Tokenizer',
      named: { eos_token: '<|im_end|>', pad_token: '<|endoftext|>' },
    },
  ])('$name', ({ config, map, cls, named }) => {
    expect(resolveSpecialTokens(config, map, cls).named).toEqual(named);
  });

  test('additional_special_tokens: config list merged with the map list, as strings, without repeats', () => {
    const got = resolveSpecialTokens(
      { additional_special_tokens: ['<x>', { content: '<y>' }] },
      { additional_special_tokens: ['<y>', '<z>'] },
      undefined,
    );
    expect(got.additional).toEqual(['<x>', '<y>', '<z>']);
  });

  test('records where each token came from, for error messages', () => {
    const got = resolveSpecialTokens({ eos_token: '<a>' }, { pad_token: '<p>' }, 'LlamaTokenizer');
    expect(got.sources).toEqual({
      eos_token: 'tokenizer_config.json',
      pad_token: 'special_tokens_map.json',
      bos_token: 'class default',
      unk_token: 'class default',
    });
  });
});

describe('bosEosFlags', () => {
  test.each([
    [{}, undefined, undefined], // the tokenizer.json post_processor decides
    [{}, 'Qwen2Tokenizer', undefined],
    [{}, 'LlamaTokenizer', { addBos: true, addEos: false }], // LlamaTokenizerFast defaults
    [{ add_eos_token: true }, 'LlamaTokenizer', { addBos: true, addEos: true }],
    [{ add_bos_token: false }, 'LlamaTokenizer', { addBos: false, addEos: false }],
    [{ add_bos_token: false }, 'Qwen2Tokenizer', { addBos: false, addEos: false }],
    [{ add_bos_token: true }, 'PreTrainedTokenizer', { addBos: true, addEos: false }],
    [{ add_bos_token: null }, undefined, undefined],
  ])('%j with class %s -> %j', (config, cls, expected) => {
    expect(bosEosFlags(config, cls)).toEqual(expected);
  });

  test('a non-boolean flag is an error naming the key', () => {
    expect(() => bosEosFlags({ add_bos_token: 'yes' }, undefined)).toThrow(
      /tokenizer_config\.json: add_bos_token: expected true or false, got "yes"/,
    );
  });
});
