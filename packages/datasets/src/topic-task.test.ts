import { describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import { toMessages } from './examples.js';
import { parseDataset } from './load.js';
import { toPreparedRecord } from './prepare.js';
import {
  TOPIC_FRAMES,
  TOPIC_INSTRUCTION,
  TOPIC_LABELS,
  TOPIC_MAX_PER_LABEL,
  topicClassificationTask,
  topicCorpus,
} from './topic-task.js';

const task = topicClassificationTask({ seed: 7, train: 480, eval: 48 });
const frameWords = new Set(TOPIC_FRAMES.flatMap((f) => f.split(' ')));
/** The two keywords of a sentence, sorted: what stays when the frame's own words are taken out. */
const pairOf = (sentence: string) =>
  sentence
    .split(' ')
    .filter((w) => !frameWords.has(w))
    .sort()
    .join('+');

describe('topicClassificationTask', () => {
  test('balanced labels, the same for the same seed, different for another', () => {
    for (const label of TOPIC_LABELS) {
      expect(task.train.filter((e) => e.label === label)).toHaveLength(120);
      expect(task.eval.filter((e) => e.label === label)).toHaveLength(12);
    }
    expect(topicClassificationTask({ seed: 7, train: 480, eval: 48 })).toEqual(task);
    expect(topicClassificationTask({ seed: 8, train: 480, eval: 48 }).train).not.toEqual(task.train);
  });

  test('held-out sentences use keyword pairs never seen in training, in either order', () => {
    const seen = new Set(task.train.map((e) => pairOf(e.sentence)));
    expect(seen.size).toBe(task.train.length);
    for (const e of task.eval) {
      expect(pairOf(e.sentence).split('+'), e.sentence).toHaveLength(2);
      expect(seen.has(pairOf(e.sentence)), e.sentence).toBe(false);
    }
  });

  test('the topic is in the keywords only: every frame appears under every label', () => {
    const framesOf = (label: string) =>
      new Set(
        task.train.filter((e) => e.label === label).map((e) => e.sentence.replace(/the \S+/g, 'the _')),
      );
    const first = framesOf(TOPIC_LABELS[0]);
    expect(first.size).toBe(TOPIC_FRAMES.length);
    for (const label of TOPIC_LABELS) expect(framesOf(label)).toEqual(first);
  });

  test('examples are messages-format SFT examples: user = instruction + sentence, assistant = label', () => {
    const e = task.eval[0]!;
    expect(e.format).toBe('messages');
    expect(toMessages(e)).toEqual([
      { role: 'user', content: `${TOPIC_INSTRUCTION}\n${e.sentence}` },
      { role: 'assistant', content: e.label },
    ]);
    const jsonl = task.train
      .slice(0, 3)
      .map((x) => JSON.stringify(toPreparedRecord(x)))
      .join('\n');
    const loaded = parseDataset(jsonl, { file: 'train.jsonl', fileType: 'jsonl' });
    expect(loaded.format).toBe('messages');
    expect(loaded.examples.map((x) => toMessages(x))).toEqual(task.train.slice(0, 3).map((x) => x.messages));
  });

  test(`all ${TOPIC_MAX_PER_LABEL} pairs per label can be used, and one more is refused`, () => {
    const all = topicClassificationTask({ seed: 1, train: 4 * 180, eval: 4 * 10 });
    expect(new Set([...all.train, ...all.eval].map((e) => `${e.label}:${pairOf(e.sentence)}`)).size).toBe(
      760,
    );
    expect(() => topicClassificationTask({ seed: 1, train: 4 * 180 + 1, eval: 40 })).toThrow(
      /expected at most 190 examples per label \(760 in all\), got 721 \+ 40/,
    );
  });

  test.each([
    [{ train: -1, eval: 4 }, /train: expected a whole number ≥ 0, got -1/],
    [{ train: 8, eval: 2.5 }, /eval: expected a whole number ≥ 0, got 2.5/],
  ])('bad counts %j are a DatasetError', (counts, message) => {
    expect(() => topicClassificationTask({ seed: 1, ...counts })).toThrow(DatasetError);
    expect(() => topicClassificationTask({ seed: 1, ...counts })).toThrow(message);
  });
});

describe('topicCorpus', () => {
  test('each example as ChatML after an empty system turn, train then eval', () => {
    const small = topicClassificationTask({ seed: 3, train: 2, eval: 1 });
    const corpus = topicCorpus(small);
    expect(corpus).toHaveLength(3);
    const e = small.eval[0]!;
    expect(corpus[2]).toBe(
      `<|im_start|>system\n<|im_end|>\n<|im_start|>user\n${TOPIC_INSTRUCTION}\n${e.sentence}<|im_end|>\n` +
        `<|im_start|>assistant\n${e.label}<|im_end|>\n`,
    );
  });
});
