// Tokenization against the real Qwen2.5-Instruct and TinyLlama-1.1B-Chat tokenizers and chat templates (fixtures):
// input_ids equal tokenizing the whole rendered text, and the trained spans decode to the trained segments.
import { readFileSync } from 'node:fs';
import { type ChatFormat, chatFormatFromTokenizerConfig, type RenderOptions, renderChat } from '@lora/chatml';
import { describeWithFixtures, sharedFixture } from '@lora/testing';
import { Tokenizer } from '@lora/tokenize';
import { beforeAll, expect, test } from 'vitest';
import { type SftExample, toMessages } from './examples.js';
import { loadDataset } from './load.js';
import { tokenizeDataset } from './tokenize.js';

interface Case {
  name: string;
  dir: string;
  builtin: 'chatml' | 'zephyr';
  tools: boolean;
}
const cases: Case[] = [
  { name: 'Qwen2.5-Instruct', dir: 'qwen2.5-instruct', builtin: 'chatml', tools: true },
  { name: 'TinyLlama-1.1B-Chat', dir: 'tinyllama-1.1b-chat-v1.0', builtin: 'zephyr', tools: false },
];

/** Contiguous runs of trained tokens. */
function trainedSpans(ids: number[], labels: number[]): number[][] {
  const spans: number[][] = [];
  let current: number[] | undefined;
  labels.forEach((label, t) => {
    if (label === -100) current = undefined;
    else {
      if (current === undefined) spans.push((current = []));
      current.push(ids[t]!);
    }
  });
  return spans;
}

describeWithFixtures('tokenization with real tokenizers', () => {
  const tokenizers = new Map<string, Tokenizer>();
  const formats = new Map<string, ChatFormat>();
  let examples: SftExample[] = [];

  beforeAll(async () => {
    for (const c of cases) {
      tokenizers.set(c.dir, await Tokenizer.fromDir(sharedFixture(c.dir)));
      const config: unknown = JSON.parse(readFileSync(sharedFixture(c.dir, 'tokenizer_config.json'), 'utf8'));
      formats.set(c.dir, chatFormatFromTokenizerConfig(config));
    }
    const data = (file: string) => loadDataset(sharedFixture('datasets', file));
    const dpo = (await data('llama-factory/dpo_zh_demo.json')).examples;
    examples = [
      ...(await data('llama-factory/alpaca_en_demo.json')).examples.slice(0, 8),
      ...(await data('medicalgpt/medical_sft_1K_format.jsonl')).examples.slice(0, 8),
      ...dpo.filter((e) => toMessages(e)![0]!.role === 'system').slice(0, 3),
      ...(await data('llama-factory/glaive_toolcall_en_demo.json')).examples.slice(0, 4),
    ];
  });

  for (const c of cases) {
    for (const kind of ['jinja', 'builtin'] as const) {
      test(`${c.name}, ${kind === 'jinja' ? "the model's own chat_template" : `builtin ${c.builtin}`}`, () => {
        const tok = tokenizers.get(c.dir)!;
        const format = kind === 'jinja' ? formats.get(c.dir)! : c.builtin;
        const usable = examples.filter((e) => c.tools || !(e.format === 'messages' && e.tools));
        const { examples: out, stats } = tokenizeDataset(usable, tok, { chatFormat: format });
        expect(stats.kept).toBe(usable.length);
        const addsBos = tok.bosTokenId !== undefined && tok.encode('')[0] === tok.bosTokenId;
        out.forEach((tokenized, i) => {
          const example = usable[i]!;
          const tools =
            example.format === 'messages' && example.tools && kind === 'jinja'
              ? JSON.parse(example.tools)
              : undefined;
          const options = {
            eosToken: tok.eosToken,
            ...(addsBos && { bosToken: tok.bosToken }),
            ...(tools && { tools }),
          } as RenderOptions;
          const rendered = renderChat(toMessages(example)!, format, options);
          // input_ids are exactly the whole rendered text's tokens (plus the BOS the tokenizer itself adds)
          const whole = tok.encode(rendered.text, { addSpecialTokens: false });
          expect(tokenized.inputIds).toEqual(addsBos ? [tok.bosTokenId, ...whole] : whole);
          expect(tokenized.inputIds).toEqual(tok.encode(rendered.text));
          // every trained span decodes to its trained segment (SentencePiece's legacy space after </s> aside)
          const decoded = trainedSpans(tokenized.inputIds, tokenized.labels).map((span) =>
            tok.decode(span).replaceAll('</s> ', '</s>'),
          );
          expect(decoded).toEqual(rendered.segments.filter((s) => s.train).map((s) => s.text));
        });
        // Qwen's byte-level BPE splits at <|im_start|>/<|im_end|>, so encoding segment by segment already equals the
        // whole text. TinyLlama's SentencePiece adds a dummy "▁" to every separately encoded piece, so its
        // segments are realigned on the whole text's ids; no token straddles a boundary in this data.
        expect(stats.alignment).toEqual(
          c.builtin === 'chatml'
            ? { exact: usable.length, realigned: 0, straddlingTokens: 0 }
            : { exact: 0, realigned: usable.length, straddlingTokens: 0 },
        );
        // TinyLlama's pad token is its EOS: reported (collate() masks padding by length, so EOS stays trained)
        expect(stats.warnings.map((w) => w.code)).toEqual(c.builtin === 'zephyr' ? ['pad-equals-eos'] : []);
      });
    }
  }

  test('Qwen: a reply starting with newlines merges with the header newline into one token, which straddles and trains', () => {
    const tok = tokenizers.get('qwen2.5-instruct')!;
    const example: SftExample = {
      format: 'messages',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: '\n\nHello' },
      ],
    };
    const { examples: out, stats } = tokenizeDataset([example], tok, { chatFormat: 'chatml' });
    const text = '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n\n\nHello<|im_end|>\n';
    expect(out[0]!.inputIds).toEqual(tok.encode(text));
    expect(stats.alignment).toEqual({ exact: 0, realigned: 1, straddlingTokens: 1 });
    const spans = trainedSpans(out[0]!.inputIds, out[0]!.labels);
    expect(spans.map((s) => tok.decode(s))).toEqual(['\n\n\nHello<|im_end|>\n']);
  });
});
