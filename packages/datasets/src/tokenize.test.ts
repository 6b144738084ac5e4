import type { ChatFormat } from '@lora/chatml';
import { describe, expect, test } from 'vitest';
import { chars, fakeEncoder } from '../test/fake-encoder.js';
import { DatasetError } from './errors.js';
import type { SftExample } from './examples.js';
import { createTokenizer, tokenizeDataset } from './tokenize.js';

const I = -100;
const masked = (n: number) => new Array<number>(n).fill(I);
const where = { file: 'd.jsonl', line: 3 };
const chat = (user: string, reply: string): SftExample => ({
  format: 'messages',
  messages: [
    { role: 'user', content: user },
    { role: 'assistant', content: reply },
  ],
  where,
});

describe('tokenize: conversations', () => {
  // ChatML as Qwen renders it: the header is the prompt, "reply<|im_end|>\n" trains
  test('chatml: labels are -100 on the prompt and the ids on the reply and its end of turn', () => {
    const enc = fakeEncoder({ eos: '<|im_end|>' });
    const [out] = tokenizeDataset([chat('hi', 'yo')], enc, { chatFormat: 'chatml' }).examples;
    const prompt = [3, ...chars('user\nhi'), 4, ...chars('\n'), 3, ...chars('assistant\n')];
    const reply = [...chars('yo'), 4, ...chars('\n')];
    expect(out).toEqual({
      inputIds: [...prompt, ...reply],
      labels: [...masked(prompt.length), ...reply],
      where,
    });
  });

  test("multi-turn: 'assistant' trains every reply, 'last-assistant' only the last, 'all' everything", () => {
    const enc = fakeEncoder({ eos: '<|im_end|>' });
    const example: SftExample = {
      format: 'messages',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
        { role: 'assistant', content: 'd' },
      ],
    };
    const labelsFor = (trainOn: 'assistant' | 'last-assistant' | 'all') =>
      tokenizeDataset([example], enc, { chatFormat: 'chatml', trainOn }).examples[0]!.labels;
    const trainedText = (labels: number[]) =>
      labels
        .filter((l) => l !== I)
        .map((id) => (id >= 1000 ? String.fromCodePoint(id - 1000) : `<${id}>`))
        .join('');
    expect(trainedText(labelsFor('assistant'))).toBe('b<4>\nd<4>\n');
    expect(trainedText(labelsFor('last-assistant'))).toBe('d<4>\n');
    const all = tokenizeDataset([example], enc, { chatFormat: 'chatml', trainOn: 'all' }).examples[0]!;
    expect(all.labels).toEqual(all.inputIds);
  });

  test('BOS auto: prepended (untrained) when the tokenizer adds one and the template does not', () => {
    const enc = fakeEncoder({ bos: '<s>', eos: '</s>', addsBos: true });
    const [out] = tokenizeDataset([chat('hi', 'yo')], enc, { chatFormat: 'zephyr' }).examples;
    expect(out!.inputIds[0]).toBe(1);
    expect(out!.inputIds[1]).not.toBe(1);
    expect(out!.labels[0]).toBe(I);
    expect(out!.inputIds.slice(1)).toEqual(
      enc.encode('<|user|>\nhi</s>\n<|assistant|>\nyo</s>\n', { addSpecialTokens: false }),
    );
  });

  test('BOS auto: a template that writes BOS (llama2) is not given a second one', () => {
    const enc = fakeEncoder({ bos: '<s>', eos: '</s>', addsBos: true });
    const [out] = tokenizeDataset([chat('hi', 'yo')], enc, { chatFormat: 'llama2' }).examples;
    expect(out!.inputIds.slice(0, 2)).toEqual([1, ...chars('[')]);
    expect(out!.inputIds.filter((id) => id === 1)).toHaveLength(1);
  });

  test('BOS auto: nothing is added when the tokenizer adds none (Qwen, GPT-2)', () => {
    const enc = fakeEncoder({ bos: '<s>', eos: '<|im_end|>', addsBos: false });
    expect(tokenizeDataset([chat('hi', 'yo')], enc, { chatFormat: 'chatml' }).examples[0]!.inputIds[0]).toBe(
      3,
    );
  });

  test('addBos true forces it; addBos true without a BOS id is an error', () => {
    const enc = fakeEncoder({ bos: '<s>', eos: '<|im_end|>' });
    expect(
      tokenizeDataset([chat('hi', 'yo')], enc, { chatFormat: 'chatml', addBos: true }).examples[0]!
        .inputIds[0],
    ).toBe(1);
    expect(() => createTokenizer(fakeEncoder({ eos: '</s>' }), { addBos: true })).toThrow(
      'addBos: expected an encoder with a bosTokenId, got none',
    );
  });

  test('alpaca examples render with the Stanford prompt; an input-only row uses its input as the instruction', () => {
    const enc = fakeEncoder({ eos: '</s>' });
    const { examples } = tokenizeDataset(
      [{ format: 'alpaca', instruction: '', input: 'Translate: chat', output: 'cat' }],
      enc,
      { chatFormat: 'alpaca' },
    );
    const prompt =
      'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' +
      '### Instruction:\nTranslate: chat\n\n### Response:';
    expect(examples[0]!.inputIds).toEqual([...chars(prompt), ...chars('cat'), 2]);
    expect(examples[0]!.labels).toEqual([...masked(prompt.length), ...chars('cat'), 2]);
  });

  test("prompt-completion with 'plain': prompt + completion + EOS, only the completion trains (TRL's completion-only loss)", () => {
    const enc = fakeEncoder({ bos: '<s>', eos: '</s>', addsBos: true });
    const [out] = tokenizeDataset(
      [{ format: 'prompt-completion', prompt: 'The sky is', completion: ' blue.' }],
      enc,
      {
        chatFormat: 'plain',
      },
    ).examples;
    expect(out!.inputIds).toEqual([1, ...chars('The sky is blue.'), 2]);
    expect(out!.labels).toEqual([...masked(1 + 'The sky is'.length), ...chars(' blue.'), 2]);
  });

  test('a jinja template gets the encoder special tokens and trains what each assistant message adds', () => {
    const enc = fakeEncoder({ eos: '</s>' });
    const jinja =
      '{% for m in messages %}{{ m.role }}: {{ m.content }}{{ eos_token }}\n{% endfor %}{% if add_generation_prompt %}assistant: {% endif %}';
    const [out] = tokenizeDataset([chat('hi', 'yo')], enc, { chatFormat: { jinja } }).examples;
    const prompt = [...chars('user: hi'), 2, ...chars('\nassistant: ')];
    const reply = [...chars('yo'), 2, ...chars('\n')];
    expect(out!.inputIds).toEqual([...prompt, ...reply]);
    expect(out!.labels).toEqual([...masked(prompt.length), ...reply]);
  });

  test('render failures name the example and keep the chatml error as cause', () => {
    const enc = fakeEncoder({ eos: '</s>' });
    const bad: SftExample = {
      format: 'messages',
      messages: [
        { role: 'tool', content: 'x' },
        { role: 'assistant', content: 'y' },
      ],
      where,
    };
    const error = (() => {
      try {
        tokenizeDataset([bad], enc, { chatFormat: 'zephyr' });
      } catch (e) {
        return e as DatasetError;
      }
    })();
    expect(error).toBeInstanceOf(DatasetError);
    expect(error!.message).toMatch(
      /^d\.jsonl line 3: cannot render with chat format zephyr: zephyr: messages\[0\]\.role: expected 'system', 'user' or 'assistant', got 'tool'/,
    );
    expect(error!.cause).toBeInstanceOf(Error);
  });

  test('a conversation without a chat format is an error naming the example', () => {
    expect(() => tokenizeDataset([chat('a', 'b')], fakeEncoder(), {})).toThrow(
      'd.jsonl line 3: chatFormat: expected a chat format to render messages examples, got none',
    );
  });
});

describe('tokenize: text and pre-tokenized examples', () => {
  test('text trains on everything and gets BOS (when the tokenizer adds one) and EOS', () => {
    const enc = fakeEncoder({ bos: '<s>', eos: '</s>', addsBos: true });
    const [out] = tokenizeDataset([{ format: 'text', text: 'abc' }], enc).examples;
    expect(out).toEqual({ inputIds: [1, ...chars('abc'), 2], labels: [1, ...chars('abc'), 2] });
  });

  test('text that already ends with EOS is not given another; addEos false gives none', () => {
    const enc = fakeEncoder({ eos: '</s>' });
    expect(tokenizeDataset([{ format: 'text', text: 'ab</s>' }], enc).examples[0]!.inputIds).toEqual([
      ...chars('ab'),
      2,
    ]);
    expect(
      tokenizeDataset([{ format: 'text', text: 'ab' }], enc, { addEos: false }).examples[0]!.inputIds,
    ).toEqual(chars('ab'));
  });

  test('text with a response template trains on the answer and its EOS only; one without it is skipped', () => {
    const enc = fakeEncoder({ bos: '<s>', eos: '</s>', addsBos: true });
    const { examples, stats } = tokenizeDataset(
      [
        { format: 'text', text: 'Q:ab A:cd' },
        { format: 'text', text: 'no template here' },
      ],
      enc,
      { completionTemplates: { response: 'A:' } },
    );
    expect(examples).toHaveLength(1);
    const ids = [1, ...chars('Q:ab A:cd'), 2];
    expect(examples[0]!.inputIds).toEqual(ids);
    const masked = ids.map((id, t) => (t >= 1 + 'Q:ab A:'.length ? id : -100));
    expect(examples[0]!.labels).toEqual(masked);
    expect(stats.skipped.map((x) => [x.reason, x.count])).toEqual([
      ['no response template "A:" in the text', 1],
    ]);
  });

  test('completionTemplates: an empty response template is refused by name', () => {
    const enc = fakeEncoder({ eos: '</s>' });
    expect(() => tokenizeDataset([], enc, { completionTemplates: { response: '' } })).toThrow(
      'completionTemplates.response: expected a non-empty string, got ""',
    );
  });

  test('tokenized examples pass through; missing labels copy the ids', () => {
    const { examples } = tokenizeDataset(
      [
        { format: 'tokenized', inputIds: [5, 6, 7], labels: [I, 6, 7] },
        { format: 'tokenized', inputIds: [5, 6] },
      ],
      fakeEncoder({ bos: '<s>', addsBos: true }),
    );
    expect(examples).toEqual([
      { inputIds: [5, 6, 7], labels: [I, 6, 7] },
      { inputIds: [5, 6], labels: [5, 6] },
    ]);
  });
});

describe('tokenize: pre-tokenized ids are checked against the vocabulary', () => {
  const at = { file: 'ids.jsonl', line: 7 };
  const sized = (vocabSize: number) => ({ ...fakeEncoder({ eos: '</s>' }), vocabSize });
  test.each([
    [
      'input_ids',
      { inputIds: [5, 6, 10], labels: [I, 6, 7] },
      "ids.jsonl line 7: input_ids[2]: expected a token id of the tokenizer's vocabulary (10 tokens), got 10",
    ],
    [
      'labels',
      { inputIds: [5, 6, 7], labels: [I, 6, 4000] },
      "ids.jsonl line 7: labels[2]: expected a token id of the tokenizer's vocabulary (10 tokens), got 4000",
    ],
  ])('an id past it in %s names the file, line and position', (_, ids, message) => {
    const example: SftExample = { format: 'tokenized', ...ids, where: at };
    const error = (() => {
      try {
        tokenizeDataset([example], sized(10));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toBe(message);
    expect((error as DatasetError).line).toBe(7);
  });

  test('ids inside it, and -100 labels, pass', () => {
    const { examples } = tokenizeDataset(
      [{ format: 'tokenized', inputIds: [0, 9], labels: [I, 9] }],
      sized(10),
    );
    expect(examples).toEqual([{ inputIds: [0, 9], labels: [I, 9] }]);
  });

  test('idToToken, when the encoder has it, decides (a vocabulary with a gap)', () => {
    const enc = { ...sized(4), idToToken: (id: number) => (id === 2 ? undefined : 't') };
    expect(() => tokenizeDataset([{ format: 'tokenized', inputIds: [1, 7] }], enc)).not.toThrow();
    expect(() => tokenizeDataset([{ format: 'tokenized', inputIds: [1, 2] }], enc)).toThrow(
      "example: input_ids[1]: expected a token id of the tokenizer's vocabulary (4 tokens), got 2",
    );
  });
});

describe('tokenize: maxLength, skipping and stats', () => {
  const enc = fakeEncoder({ eos: '<|im_end|>' });
  const long = chat('hi', 'a fairly long reply');
  const short = chat('hi', 'ok');
  const length = (e: SftExample) =>
    tokenizeDataset([e], enc, { chatFormat: 'chatml' }).examples[0]!.inputIds.length;

  test('truncation keeps the first maxLength tokens and is counted', () => {
    const max = length(long) - 5;
    const { examples, stats } = tokenizeDataset([long, short], enc, { chatFormat: 'chatml', maxLength: max });
    expect(examples[0]!.inputIds).toHaveLength(max);
    expect(examples[0]!.inputIds).toEqual(
      tokenizeDataset([long], enc, { chatFormat: 'chatml' }).examples[0]!.inputIds.slice(0, max),
    );
    expect(stats).toMatchObject({ examples: 2, kept: 2, truncated: 1, truncatedTokens: 5, skipped: [] });
  });

  test("overflow 'drop' drops and counts instead", () => {
    const max = length(long) - 1;
    const { examples, stats } = tokenizeDataset([long, short], enc, {
      chatFormat: 'chatml',
      maxLength: max,
      overflow: 'drop',
    });
    expect(examples).toHaveLength(1);
    expect(stats.skipped).toEqual([
      { reason: `longer than maxLength ${max}`, count: 1, examples: ['d.jsonl line 3'] },
    ]);
    expect(stats.truncated).toBe(0);
  });

  test('truncation that cuts away every trained token skips the example, with its own reason', () => {
    const prompt = length(chat('hi', '')) - 3; // the reply starts after this many tokens
    const { examples, stats } = tokenizeDataset([long], enc, { chatFormat: 'chatml', maxLength: prompt });
    expect(examples).toHaveLength(0);
    expect(stats.skipped).toEqual([
      { reason: 'no trained tokens left after truncation', count: 1, examples: ['d.jsonl line 3'] },
    ]);
  });

  test('counts tokens, label tokens and the alignment path', () => {
    const { stats } = tokenizeDataset([short, long], enc, { chatFormat: 'chatml' });
    // label tokens: reply + <|im_end|> + "\n"
    expect(stats.labelTokens).toBe('ok'.length + 2 + 'a fairly long reply'.length + 2);
    expect(stats.tokens).toBe(length(short) + length(long));
    expect(stats.alignment).toEqual({ exact: 2, realigned: 0, straddlingTokens: 0 });
  });

  test.each([
    [{ maxLength: 1 }, /maxLength: expected an integer >= 2, got number 1/],
    [{ overflow: 'cut' }, /overflow: expected 'truncate' or 'drop', got "cut"/],
    [{ trainOn: 'user' }, /trainOn: expected 'assistant', 'last-assistant' or 'all', got "user"/],
    [{ addBos: 'yes' }, /addBos: expected 'auto', true or false, got "yes"/],
    [
      { chatFormat: 'vicuna' },
      /chatFormat: expected one of chatml, zephyr, llama2, llama3, gemma, alpaca, plain, a ChatFormat or \{ jinja \}, got "vicuna"/,
    ],
  ])('bad option %j', (options, message) => {
    expect(() => tokenizeDataset([short], enc, options as never)).toThrow(message);
  });
});

describe('tokenize: end-of-turn supervision warnings (chatml checkEndOfTurnSupervision)', () => {
  test('a format whose trained turn lacks the end-of-turn token is reported, counted per example', () => {
    const noEos: ChatFormat = {
      name: 'no-eos',
      render: (messages) => ({
        text: `${messages[0]!.content}|${messages[1]!.content}`,
        segments: [
          { text: `${messages[0]!.content}|`, train: false },
          { text: messages[1]!.content, train: true },
        ],
      }),
    };
    const { stats } = tokenizeDataset([chat('a', 'b'), chat('c', 'd')], fakeEncoder({ eos: '</s>' }), {
      chatFormat: noEos,
    });
    expect(stats.warnings).toHaveLength(1);
    expect(stats.warnings[0]).toMatchObject({
      code: 'end-of-turn-not-trained',
      count: 2,
      examples: ['d.jsonl line 3', 'd.jsonl line 3'],
    });
    expect(stats.warnings[0]!.message).toMatch(/not with "<\/s>"/);
  });

  test('pad == eos is reported once', () => {
    const enc = fakeEncoder({ eos: '</s>', pad: '</s>' });
    const { stats } = tokenizeDataset([chat('a', 'b'), chat('c', 'd')], enc, { chatFormat: 'zephyr' });
    expect(stats.warnings.map((w) => [w.code, w.count])).toEqual([['pad-equals-eos', 1]]);
  });

  test('chatml with its own end of turn and a distinct pad is clean', () => {
    const enc = fakeEncoder({ eos: '<|im_end|>', pad: '<pad>' });
    expect(tokenizeDataset([chat('a', 'b')], enc, { chatFormat: 'chatml' }).stats.warnings).toEqual([]);
  });
});
