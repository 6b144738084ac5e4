import { describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import { toMessages } from './examples.js';
import { parseDataset } from './load.js';
import { toPreparedRecord } from './prepare.js';
import {
  STORY_MAX_EXAMPLES,
  STORY_QUESTION_KINDS,
  STORY_QUESTIONS,
  STORY_TEMPLATES,
  STORY_WORDS,
  type StoryQuestionExample,
  storyQuestionsTask,
} from './story-questions.js';

const task = storyQuestionsTask({ seed: 7, train: 2400, eval: 64 });
const all = [...task.train, ...task.eval];
const names: readonly string[] = [...STORY_WORDS.girls, ...STORY_WORDS.boys];
const words = (s: string) => s.replace(/[.,?]/g, '').split(' ');
/** The four facts of a story, read back from its words: name, place, thing, animal. */
const factsOf = (e: StoryQuestionExample): [string[], string[], string[], string[]] => {
  const w = words(e.story);
  const pick = (list: readonly string[]) => w.filter((x) => list.includes(x));
  return [pick(names), pick(STORY_WORDS.places), pick(STORY_WORDS.things), pick(STORY_WORDS.animals)];
};

describe('storyQuestionsTask', () => {
  test('the same seed gives the same task, another seed another; the held-out set does not depend on train', () => {
    expect(storyQuestionsTask({ seed: 7, train: 2400, eval: 64 })).toEqual(task);
    expect(storyQuestionsTask({ seed: 8, train: 2400, eval: 64 }).eval).not.toEqual(task.eval);
    expect(storyQuestionsTask({ seed: 7, train: 10, eval: 64 }).eval).toEqual(task.eval);
  });

  test('question kinds come in turn in each split', () => {
    for (const kind of STORY_QUESTION_KINDS) {
      expect(task.train.filter((e) => e.kind === kind)).toHaveLength(600);
      expect(task.eval.filter((e) => e.kind === kind)).toHaveLength(16);
    }
    expect(task.eval.slice(0, 4).map((e) => e.kind)).toEqual([...STORY_QUESTION_KINDS]);
  });

  test('every story has one child, place, thing and animal, and no two examples share all four', () => {
    const keys = all.map((e) => {
      const facts = factsOf(e);
      for (const f of facts) expect(f, e.story).toHaveLength(1);
      return facts.join('+');
    });
    expect(new Set(keys).size).toBe(all.length);
  });

  test.each([
    ['who', names],
    ['where', STORY_WORDS.places],
    ['found', STORY_WORDS.things],
    ['saw', STORY_WORDS.animals],
  ] as const)('a %s question is answered by the story’s one word of that class', (kind, list) => {
    for (const e of all.filter((x) => x.kind === kind)) {
      expect(list).toContain(e.answer);
      expect(words(e.story), e.story).toContain(e.answer);
      expect(factsOf(e).flat()).toContain(e.answer);
    }
  });

  test('the questions name the story’s own child or thing', () => {
    for (const e of all) {
      const [[name], , [thing]] = factsOf(e);
      const expected = STORY_QUESTIONS[e.kind].replace('{name}', name!).replace('{thing}', thing!);
      expect(e.question).toBe(expected);
    }
  });

  test('she for the girls, he for the boys, and every frame and word is used', () => {
    for (const e of all) {
      const girl = (STORY_WORDS.girls as readonly string[]).includes(factsOf(e)[0]![0]!);
      expect(/\b(she|She)\b/.test(e.story), e.story).toBe(girl);
      expect(/\b(he|He)\b/.test(e.story), e.story).toBe(!girl);
    }
    const frameOf = (e: StoryQuestionExample) => {
      const [[name], [place], [thing], [animal]] = factsOf(e);
      return e.story
        .replace(name!, '{name}')
        .replace(` ${place}.`, ' {place}.')
        .replace(` ${thing}`, ' {thing}')
        .replace(` ${animal}`, ' {animal}')
        .replace(/\b(she|he)\b/, '{pronoun}')
        .replace(/\b(She|He)\b/, '{Pronoun}');
    };
    expect(new Set(all.map(frameOf))).toEqual(new Set(STORY_TEMPLATES));
    const used = new Set(all.flatMap((e) => words(e.story)));
    for (const w of Object.values(STORY_WORDS).flat()) expect(used.has(w), w).toBe(true);
  });

  test('examples are messages-format SFT records: user = story + question, assistant = the answer', () => {
    const e = task.eval[0]!;
    expect(toMessages(e)).toEqual([
      { role: 'user', content: `${e.story} ${e.question}` },
      { role: 'assistant', content: e.answer },
    ]);
    const jsonl = task.train
      .slice(0, 3)
      .map((x) => JSON.stringify(toPreparedRecord(x)))
      .join('\n');
    const loaded = parseDataset(jsonl, { file: 'train.jsonl', fileType: 'jsonl' });
    expect(loaded.examples.map((x) => toMessages(x))).toEqual(task.train.slice(0, 3).map((x) => x.messages));
  });

  test(`all ${STORY_MAX_EXAMPLES} stories can be drawn, and one more is refused`, () => {
    const every = storyQuestionsTask({ seed: 1, train: STORY_MAX_EXAMPLES - 10, eval: 10 });
    expect(new Set([...every.train, ...every.eval].map((e) => factsOf(e).join('+'))).size).toBe(
      STORY_MAX_EXAMPLES,
    );
    expect(() => storyQuestionsTask({ seed: 1, train: STORY_MAX_EXAMPLES, eval: 1 })).toThrow(
      /expected at most 36864 examples \(one per story\), got 36864 \+ 1/,
    );
  });

  test.each([
    [{ train: -1, eval: 4 }, /train: expected a whole number ≥ 0, got -1/],
    [{ train: 8, eval: 2.5 }, /eval: expected a whole number ≥ 0, got 2.5/],
  ])('bad counts %j are a DatasetError', (counts, message) => {
    expect(() => storyQuestionsTask({ seed: 1, ...counts })).toThrow(DatasetError);
    expect(() => storyQuestionsTask({ seed: 1, ...counts })).toThrow(message);
  });
});
