// A seeded reading-comprehension task in children's-story English (for a model pretrained on TinyStories): a
// two-sentence story — a child, a place, a thing the child found, an animal the child saw — and one who / where /
// what question whose answer is one word of the story. Every example tells a story with its own four facts, so no
// held-out story was seen in training: the held-out exact match measures reading, not recall.
import type { ChatMessage } from '@lora/chatml';
import { createPrng, type Prng } from '@lora/core';
import { DatasetError } from './errors.js';

/** Which fact a question asks for: the child (who), the place (where), the thing found, the animal seen. */
export const STORY_QUESTION_KINDS = ['who', 'where', 'found', 'saw'] as const;
export type StoryQuestionKind = (typeof STORY_QUESTION_KINDS)[number];

/** The words stories are made of; each one is in the vocabulary of TinyStories. */
// biome-ignore format: one row per word class reads better than one word per line
export const STORY_WORDS = {
  girls: ['Lily', 'Sue', 'Mia', 'Anna', 'Lucy', 'Sara', 'Kate', 'Zoe'],
  boys: ['Tim', 'Ben', 'Max', 'Sam', 'Tom', 'Jack', 'Bob', 'Leo'],
  places: ['park', 'beach', 'farm', 'zoo', 'lake', 'forest', 'garden', 'shop', 'school', 'hill', 'pond', 'river'],
  things: ['ball', 'kite', 'doll', 'cake', 'book', 'hat', 'box', 'cup', 'drum', 'bell', 'toy', 'rock', 'shell',
    'stick', 'flower', 'key'],
  animals: ['dog', 'cat', 'bird', 'frog', 'duck', 'fish', 'bear', 'cow', 'pig', 'bunny', 'horse', 'sheep'],
} as const;

/** Story frames: the same four facts in different orders and words, so position alone never gives the answer. */
export const STORY_TEMPLATES: readonly string[] = [
  '{name} went to the {place}. {Pronoun} found a {thing} and saw a {animal}.',
  '{name} found a {thing} at the {place}. Then {pronoun} saw a {animal}.',
  'One day, {name} saw a {animal} at the {place}. {Pronoun} also found a {thing}.',
];

/** The question of each kind; its answer is the fact of the same name. */
export const STORY_QUESTIONS: Readonly<Record<StoryQuestionKind, string>> = {
  who: 'Who found the {thing}?',
  where: 'Where was {name}?',
  found: 'What did {name} find?',
  saw: 'What did {name} see?',
};

const NAMES = [...STORY_WORDS.girls, ...STORY_WORDS.boys];

/** Distinct (name, place, thing, animal) facts: 16 · 12 · 16 · 12 = 36,864 stories in all. */
export const STORY_MAX_EXAMPLES =
  NAMES.length * STORY_WORDS.places.length * STORY_WORDS.things.length * STORY_WORDS.animals.length;

/** A messages-format SFT example (user: story + question; assistant: the one-word answer), with its parts. */
export interface StoryQuestionExample {
  format: 'messages';
  messages: ChatMessage[];
  story: string;
  question: string;
  answer: string;
  kind: StoryQuestionKind;
}

export interface StoryQuestionsOptions {
  seed: number;
  /** training examples, question kinds in turn */
  train: number;
  /** held-out examples, question kinds in turn */
  eval: number;
}

export interface StoryQuestionsTask {
  train: StoryQuestionExample[];
  eval: StoryQuestionExample[];
  kinds: readonly StoryQuestionKind[];
}

interface StoryFacts {
  name: string;
  pronoun: 'she' | 'he';
  place: string;
  thing: string;
  animal: string;
}

/** The facts numbered `index` in [0, STORY_MAX_EXAMPLES): mixed-radix digits over the word lists. */
function factsOf(index: number): StoryFacts {
  const { places, things, animals } = STORY_WORDS;
  const animal = animals[index % animals.length]!;
  let rest = Math.floor(index / animals.length);
  const thing = things[rest % things.length]!;
  rest = Math.floor(rest / things.length);
  const place = places[rest % places.length]!;
  const name = NAMES[Math.floor(rest / places.length)]!;
  const pronoun = (STORY_WORDS.girls as readonly string[]).includes(name) ? 'she' : 'he';
  return { name, pronoun, place, thing, animal };
}

function fill(template: string, f: StoryFacts): string {
  const Pronoun = f.pronoun === 'she' ? 'She' : 'He';
  return template
    .replace('{name}', f.name)
    .replace('{place}', f.place)
    .replace('{thing}', f.thing)
    .replace('{animal}', f.animal)
    .replace('{pronoun}', f.pronoun)
    .replace('{Pronoun}', Pronoun);
}

const ANSWER: Record<StoryQuestionKind, (f: StoryFacts) => string> = {
  who: (f) => f.name,
  where: (f) => f.place,
  found: (f) => f.thing,
  saw: (f) => f.animal,
};

/**
 * `count` stories in a seeded random order: distinct facts (a partial Fisher–Yates shuffle of their numbers) and a
 * frame each. Story i depends only on the draws before it, so a longer list starts with the same stories.
 */
function drawStories(rng: Prng, count: number): { facts: StoryFacts; template: string }[] {
  const numbers = Array.from({ length: STORY_MAX_EXAMPLES }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => {
    const j = i + rng.int(numbers.length - i);
    [numbers[i], numbers[j]] = [numbers[j]!, numbers[i]!];
    return { facts: factsOf(numbers[i]!), template: STORY_TEMPLATES[rng.int(STORY_TEMPLATES.length)]! };
  });
}

function checkCounts(options: StoryQuestionsOptions): void {
  for (const key of ['train', 'eval'] as const) {
    const n = options[key];
    if (!Number.isSafeInteger(n) || n < 0)
      throw new DatasetError(`storyQuestionsTask: ${key}: expected a whole number ≥ 0, got ${n}`);
  }
  if (options.train + options.eval > STORY_MAX_EXAMPLES)
    throw new DatasetError(
      `storyQuestionsTask: train + eval: expected at most ${STORY_MAX_EXAMPLES} examples (one per story), ` +
        `got ${options.train} + ${options.eval}`,
    );
}

/**
 * `train` and `eval` examples, each a different story (no two share all four facts), question kinds in turn
 * (balanced), story frames drawn at random. The held-out examples are the first stories of the seeded order, so the
 * same seed and eval count give the same held-out set whatever the training count. Throws `DatasetError` for a negative
 * or fractional count, or more examples than there are stories.
 */
export function storyQuestionsTask(options: StoryQuestionsOptions): StoryQuestionsTask {
  checkCounts(options);
  const stories = drawStories(createPrng(options.seed), options.eval + options.train);
  const example = ({ facts, template }: (typeof stories)[number], i: number): StoryQuestionExample => {
    const kind = STORY_QUESTION_KINDS[i % STORY_QUESTION_KINDS.length]!;
    const story = fill(template, facts);
    const question = fill(STORY_QUESTIONS[kind], facts);
    const answer = ANSWER[kind](facts);
    const messages: ChatMessage[] = [
      { role: 'user', content: `${story} ${question}` },
      { role: 'assistant', content: answer },
    ];
    return { format: 'messages', messages, story, question, answer, kind };
  };
  const evalSet = stories.slice(0, options.eval).map(example);
  const train = stories.slice(options.eval).map(example);
  return { train, eval: evalSet, kinds: STORY_QUESTION_KINDS };
}
