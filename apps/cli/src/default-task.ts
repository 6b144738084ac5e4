// The embedded default task: short synthetic sentences whose topic (sports, food, weather, tech) is given away by
// their keywords only — every sentence frame is shared by all topics — so a model must learn keyword → label, and
// held-out sentences (keyword pairs never seen in training) check that it did.
import { createPrng, type Prng } from '@lora/datasets';

export const TOPIC_LABELS = ['sports', 'food', 'weather', 'tech'] as const;
export type TopicLabel = (typeof TOPIC_LABELS)[number];

export const TOPIC_INSTRUCTION = 'Which topic is this sentence about: sports, food, weather or tech?';

const KEYWORDS: Record<TopicLabel, readonly string[]> = {
  sports: [
    'goal',
    'striker',
    'referee',
    'stadium',
    'match',
    'coach',
    'tennis',
    'football',
    'player',
    'team',
    'league',
    'race',
    'medal',
    'keeper',
    'tournament',
    'athlete',
    'racket',
    'marathon',
    'trophy',
    'jersey',
  ],
  food: [
    'bread',
    'chef',
    'soup',
    'recipe',
    'kitchen',
    'pasta',
    'cheese',
    'dinner',
    'oven',
    'salad',
    'spice',
    'bakery',
    'noodles',
    'sauce',
    'dessert',
    'butter',
    'garlic',
    'omelette',
    'cookie',
    'honey',
  ],
  weather: [
    'rain',
    'storm',
    'forecast',
    'snow',
    'wind',
    'cloud',
    'thunder',
    'sunshine',
    'fog',
    'temperature',
    'drizzle',
    'frost',
    'breeze',
    'hail',
    'heatwave',
    'rainbow',
    'blizzard',
    'monsoon',
    'lightning',
    'mist',
  ],
  tech: [
    'laptop',
    'software',
    'server',
    'code',
    'robot',
    'chip',
    'browser',
    'battery',
    'network',
    'app',
    'keyboard',
    'database',
    'update',
    'screen',
    'processor',
    'algorithm',
    'router',
    'firmware',
    'smartphone',
    'compiler',
  ],
};

/** Sentence frames shared by every topic: only the two keywords carry the label. */
const FRAMES: readonly string[] = [
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

export interface TopicExample {
  instruction: string;
  input: string;
  output: TopicLabel;
}

export interface TopicDataset {
  train: TopicExample[];
  eval: TopicExample[];
  labels: readonly TopicLabel[];
}

function pick<T>(rng: Prng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

/**
 * `train` and `eval` examples, balanced over the labels. Each keyword pair (in either order) is used once, so
 * every held-out sentence has a keyword combination the model never trained on. At most 190 per label.
 */
export function makeTopicDataset(options: { seed: number; train: number; eval: number }): TopicDataset {
  const rng = createPrng(options.seed);
  const pairs = new Map<TopicLabel, [string, string][]>();
  for (const label of TOPIC_LABELS) {
    const words = KEYWORDS[label];
    const all: [string, string][] = [];
    for (const [i, a] of words.entries())
      for (const b of words.slice(i + 1)) all.push(rng.int(2) === 0 ? [a, b] : [b, a]);
    for (let i = all.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [all[i], all[j]] = [all[j]!, all[i]!];
    }
    pairs.set(label, all);
  }
  const used = new Map<TopicLabel, number>(TOPIC_LABELS.map((l) => [l, 0]));
  const take = (count: number): TopicExample[] =>
    Array.from({ length: count }, (_, i) => {
      const label = TOPIC_LABELS[i % TOPIC_LABELS.length]!;
      const n = used.get(label)!;
      const [a, b] = pairs.get(label)![n]!;
      used.set(label, n + 1);
      const input = pick(rng, FRAMES).replace('{a}', a).replace('{b}', b);
      return { instruction: TOPIC_INSTRUCTION, input, output: label };
    });
  const evalSet = take(options.eval);
  const train = take(options.train);
  for (let i = train.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [train[i], train[j]] = [train[j]!, train[i]!];
  }
  return { train, eval: evalSet, labels: TOPIC_LABELS };
}

/** The texts the tokenizer trains on: every example as ChatML renders it (role names, keywords, labels). */
export function topicCorpus(dataset: TopicDataset): string[] {
  return [...dataset.train, ...dataset.eval].map(
    (e) =>
      `<|im_start|>system\n<|im_end|>\n<|im_start|>user\n${e.instruction}\n${e.input}<|im_end|>\n<|im_start|>assistant\n${e.output}<|im_end|>\n`,
  );
}
