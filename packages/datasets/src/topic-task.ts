// A seeded synthetic SFT task: short sentences whose topic (sports, food, weather, tech) is given away by their
// keywords only — every sentence frame is shared by all topics — so a model must learn keyword → label, and held-out
// sentences (keyword pairs never seen in training, in either order) check that it did.
import { type ChatMessage, renderChat } from '@lora/chatml';
import { createPrng, type Prng } from '@lora/core';
import { DatasetError } from './errors.js';

/** The labels of `topicClassificationTask`. */
export const TOPIC_LABELS = ['sports', 'food', 'weather', 'tech'] as const;
/** A label of `topicClassificationTask`. */
export type TopicLabel = (typeof TOPIC_LABELS)[number];

/** The instruction every `topicClassificationTask` example asks. */
export const TOPIC_INSTRUCTION = 'Which topic is this sentence about: sports, food, weather or tech?';

// biome-ignore format: one row of keywords per topic reads better than one keyword per line
const KEYWORDS: Record<TopicLabel, readonly string[]> = {
  sports: ['goal', 'striker', 'referee', 'stadium', 'match', 'coach', 'tennis', 'football', 'player', 'team',
    'league', 'race', 'medal', 'keeper', 'tournament', 'athlete', 'racket', 'marathon', 'trophy', 'jersey'],
  food: ['bread', 'chef', 'soup', 'recipe', 'kitchen', 'pasta', 'cheese', 'dinner', 'oven', 'salad',
    'spice', 'bakery', 'noodles', 'sauce', 'dessert', 'butter', 'garlic', 'omelette', 'cookie', 'honey'],
  weather: ['rain', 'storm', 'forecast', 'snow', 'wind', 'cloud', 'thunder', 'sunshine', 'fog', 'temperature',
    'drizzle', 'frost', 'breeze', 'hail', 'heatwave', 'rainbow', 'blizzard', 'monsoon', 'lightning', 'mist'],
  tech: ['laptop', 'software', 'server', 'code', 'robot', 'chip', 'browser', 'battery', 'network', 'app',
    'keyboard', 'database', 'update', 'screen', 'processor', 'algorithm', 'router', 'firmware', 'smartphone',
    'compiler'],
};

/** Sentence frames shared by every topic: only the two keywords carry the label. */
export const TOPIC_FRAMES: readonly string[] = [
  'the {a} was all anyone talked about after the {b}',
  'everyone noticed the {a} and the {b} today',
  'yesterday my neighbour mentioned the {a} near the {b}',
  'we read a short story about the {a} and the {b}',
  'i saw the {a} right before the {b}',
  'people keep asking about the {a} and the {b}',
  'the {a} showed up next to the {b} this morning',
  'nobody expected the {a} to follow the {b}',
  'my sister wrote a note about the {a} and the {b}',
  'the news tonight covered the {a} and then the {b}',
];

/** Unordered keyword pairs per label: C(20, 2). */
export const TOPIC_MAX_PER_LABEL = 190;

/** A messages-format SFT example (user: instruction + sentence; assistant: the label), with its parts. */
export interface TopicExample {
  format: 'messages';
  messages: ChatMessage[];
  /** the sentence alone, without the instruction */
  sentence: string;
  label: TopicLabel;
}

/** Options of `topicClassificationTask`: the seed and the split sizes. */
export interface TopicTaskOptions {
  seed: number;
  /** training examples, balanced over the labels */
  train: number;
  /** held-out examples, balanced over the labels */
  eval: number;
}

/** The seeded topic task: training and held-out examples and the labels. */
export interface TopicTask {
  train: TopicExample[];
  eval: TopicExample[];
  labels: readonly TopicLabel[];
  instruction: string;
}

function shuffle<T>(rng: Prng, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

function checkCounts(options: TopicTaskOptions): void {
  for (const key of ['train', 'eval'] as const) {
    const n = options[key];
    if (!Number.isSafeInteger(n) || n < 0)
      throw new DatasetError(`topicClassificationTask: ${key}: expected a whole number ≥ 0, got ${n}`);
  }
  const perLabel = Math.ceil(options.train / 4) + Math.ceil(options.eval / 4);
  if (perLabel > TOPIC_MAX_PER_LABEL)
    throw new DatasetError(
      `topicClassificationTask: train + eval: expected at most ${TOPIC_MAX_PER_LABEL} examples per label ` +
        `(${4 * TOPIC_MAX_PER_LABEL} in all), got ${options.train} + ${options.eval}`,
    );
}

/**
 * `train` and `eval` examples, labels in turn (balanced), the training split shuffled. Each keyword pair (in either
 * order) is used once, so every held-out sentence has a keyword combination the model never trained on. The same
 * seed gives the same task. Throws `DatasetError` for a negative or fractional count, or more than 190 per label.
 */
export function topicClassificationTask(options: TopicTaskOptions): TopicTask {
  checkCounts(options);
  const rng = createPrng(options.seed);
  const pairs = new Map<TopicLabel, [string, string][]>();
  for (const label of TOPIC_LABELS) {
    const words = KEYWORDS[label];
    const all: [string, string][] = [];
    for (const [i, a] of words.entries())
      for (const b of words.slice(i + 1)) all.push(rng.int(2) === 0 ? [a, b] : [b, a]);
    shuffle(rng, all);
    pairs.set(label, all);
  }
  const used = new Map<TopicLabel, number>(TOPIC_LABELS.map((l) => [l, 0]));
  const take = (count: number): TopicExample[] =>
    Array.from({ length: count }, (_, i) => {
      const label = TOPIC_LABELS[i % TOPIC_LABELS.length]!;
      const n = used.get(label)!;
      const [a, b] = pairs.get(label)![n]!;
      used.set(label, n + 1);
      const sentence = TOPIC_FRAMES[rng.int(TOPIC_FRAMES.length)]!.replace('{a}', a).replace('{b}', b);
      const messages: ChatMessage[] = [
        { role: 'user', content: `${TOPIC_INSTRUCTION}\n${sentence}` },
        { role: 'assistant', content: label },
      ];
      return { format: 'messages', messages, sentence, label };
    });
  const evalSet = take(options.eval);
  const train = take(options.train);
  shuffle(rng, train);
  return { train, eval: evalSet, labels: TOPIC_LABELS, instruction: TOPIC_INSTRUCTION };
}

/**
 * The texts a tokenizer for the task trains on: every example (train, then eval) rendered as ChatML after an empty
 * system turn, so the role names, keywords and labels are all in the corpus.
 */
export function topicCorpus(task: Pick<TopicTask, 'train' | 'eval'>): string[] {
  return [...task.train, ...task.eval].map(
    (e) => renderChat([{ role: 'system', content: '' }, ...e.messages], 'chatml').text,
  );
}
