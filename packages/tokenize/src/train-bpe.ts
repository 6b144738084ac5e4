// Byte-level BPE training (Sennrich et al. 2016; GPT-2's byte-level variant; HF tokenizers BpeTrainer):
// count pre-tokenized words, then repeatedly merge the most frequent adjacent pair.
import { bytesToUnicode, gpt2PreTokenize, toByteLevel } from './byte-level.js';
import { TokenizerTrainError } from './errors.js';
import { BinaryHeap } from './heap.js';

/** Options of `trainByteLevelBpe`: the corpus, vocabulary size and special tokens. */
export interface TrainByteLevelBpeOptions {
  /** training texts; occurrences of the special tokens in them are cut out before counting */
  corpus: readonly string[];
  /** total vocabulary: 256 byte tokens + learned merges + special tokens (fewer when the corpus runs out of pairs) */
  vocabSize: number;
  /** added tokens with special: true, given ids after the learned vocabulary, in this order */
  specialTokens: readonly string[];
  /** a pair must occur at least this often to be merged; default 2 */
  minFrequency?: number;
  /** tokenizer_config.json's bos/eos/pad tokens; each must be one of specialTokens */
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
  /** tokenizer_config.json's model_max_length */
  modelMaxLength?: number;
  /** tokenizer_config.json's chat_template */
  chatTemplate?: string;
}

const SHIFT = 2 ** 21; // pair key = left * SHIFT + right; symbol ids stay below 2^21
const MAX_VOCAB = 2_000_000;
const BYTE_LEVEL = { add_prefix_space: false, trim_offsets: false, use_regex: false } as const;

/** The tokenizer.json object trainByteLevelBpe writes (a subset of the HF tokenizers format). */
export interface ByteLevelBpeJson {
  version: '1.0';
  truncation: null;
  padding: null;
  added_tokens: {
    id: number;
    content: string;
    single_word: false;
    lstrip: false;
    rstrip: false;
    normalized: false;
    special: true;
  }[];
  normalizer: null;
  pre_tokenizer: { type: 'ByteLevel'; add_prefix_space: false; trim_offsets: true; use_regex: true };
  post_processor: { type: 'ByteLevel' } & typeof BYTE_LEVEL;
  decoder: { type: 'ByteLevel' } & typeof BYTE_LEVEL;
  model: {
    type: 'BPE';
    dropout: null;
    unk_token: null;
    continuing_subword_prefix: null;
    end_of_word_suffix: null;
    fuse_unk: false;
    byte_fallback: false;
    ignore_merges: false;
    vocab: Record<string, number>;
    merges: [string, string][];
  };
}

/** A trained tokenizer as the two JSON files `writeTokenizerFiles` writes. */
export interface TrainedTokenizer {
  tokenizerJson: ByteLevelBpeJson;
  tokenizerConfig: Record<string, unknown>;
}

function checkOptions(o: TrainByteLevelBpeOptions): void {
  const fail = (what: string): never => {
    throw new TokenizerTrainError(`trainByteLevelBpe: ${what}`);
  };
  if (!Array.isArray(o.corpus)) fail(`corpus: expected an array of strings, got ${typeof o.corpus}`);
  o.corpus.forEach((t, i) => {
    if (typeof t !== 'string') fail(`corpus[${i}]: expected a string, got ${typeof t}`);
  });
  if (!Array.isArray(o.specialTokens))
    fail(`specialTokens: expected an array of strings, got ${typeof o.specialTokens}`);
  o.specialTokens.forEach((t, i) => {
    if (typeof t !== 'string' || t === '')
      fail(`specialTokens[${i}]: expected a non-empty string, got ${JSON.stringify(t)}`);
    if (o.specialTokens.indexOf(t) !== i)
      fail(`specialTokens[${i}]: expected unique tokens, got ${JSON.stringify(t)} twice`);
  });
  const least = 256 + o.specialTokens.length;
  if (!Number.isInteger(o.vocabSize) || o.vocabSize < least || o.vocabSize > MAX_VOCAB) {
    fail(
      `vocabSize: expected an integer from ${least} (256 bytes + ${o.specialTokens.length} special tokens) to ${MAX_VOCAB}, got ${o.vocabSize}`,
    );
  }
  const minFrequency = o.minFrequency ?? 2;
  if (!Number.isInteger(minFrequency) || minFrequency < 1)
    fail(`minFrequency: expected a positive integer, got ${minFrequency}`);
  for (const key of ['bosToken', 'eosToken', 'padToken'] as const) {
    const token = o[key];
    if (token !== undefined && !o.specialTokens.includes(token)) {
      fail(`${key}: expected one of specialTokens, got ${JSON.stringify(token)}`);
    }
  }
}

/** Word (byte-level string) -> count over the corpus, special tokens cut out first. */
function countWords(corpus: readonly string[], specialTokens: readonly string[]): Map<string, number> {
  const escaped = specialTokens.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const splitter = escaped.length > 0 ? new RegExp(escaped.join('|'), 'u') : undefined;
  const counts = new Map<string, number>();
  for (const text of corpus) {
    for (const part of splitter ? text.split(splitter) : [text]) {
      for (const piece of gpt2PreTokenize(part)) {
        const word = toByteLevel(piece);
        counts.set(word, (counts.get(word) ?? 0) + 1);
      }
    }
  }
  return counts;
}

/** Learn merges; returns the symbol table (ids in vocab order) and the merges in rank order. */
function learnMerges(
  words: Map<string, number>,
  maxSymbols: number,
  minFrequency: number,
  forbidden: Set<string>,
) {
  const symbols = bytesToUnicode();
  const symbolId = new Map(symbols.map((s, i) => [s, i]));
  const wordSyms: number[][] = [];
  const wordFreq: number[] = [];
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addWord = (key: number, word: number): void => {
    const set = pairWords.get(key);
    if (set) set.add(word);
    else pairWords.set(key, new Set([word]));
  };
  for (const [word, freq] of words) {
    const syms = Array.from(word, (ch) => symbolId.get(ch) as number);
    const w = wordSyms.push(syms) - 1;
    wordFreq.push(freq);
    for (let j = 0; j + 1 < syms.length; j++) {
      const key = (syms[j] as number) * SHIFT + (syms[j + 1] as number);
      pairCount.set(key, (pairCount.get(key) ?? 0) + freq);
      addWord(key, w);
    }
  }
  // most frequent first; ties broken by the pair's strings, so the result never depends on insertion order
  type Entry = { key: number; count: number };
  const heap = new BinaryHeap<Entry>((a, b) => {
    if (a.count !== b.count) return a.count > b.count;
    const la = symbols[Math.floor(a.key / SHIFT)] as string;
    const lb = symbols[Math.floor(b.key / SHIFT)] as string;
    if (la !== lb) return la < lb;
    return (symbols[a.key % SHIFT] as string) < (symbols[b.key % SHIFT] as string);
  });
  for (const [key, count] of pairCount) heap.push({ key, count });

  const merges: [string, string][] = [];
  while (symbols.length < maxSymbols) {
    const top = heap.pop();
    if (!top) break;
    if (pairCount.get(top.key) !== top.count) continue; // stale entry
    if (top.count < minFrequency) break;
    const a = Math.floor(top.key / SHIFT);
    const b = top.key % SHIFT;
    const merged = (symbols[a] as string) + (symbols[b] as string);
    const touched = pairWords.get(top.key) ?? new Set<number>();
    pairCount.delete(top.key);
    pairWords.delete(top.key);
    if (forbidden.has(merged)) continue; // would collide with a special token's id
    let id = symbolId.get(merged);
    if (id === undefined) {
      id = symbols.push(merged) - 1;
      symbolId.set(merged, id);
    }
    merges.push([symbols[a] as string, symbols[b] as string]);
    const delta = new Map<number, number>();
    for (const w of touched) {
      const syms = wordSyms[w] as number[];
      const freq = wordFreq[w] as number;
      const out: number[] = [];
      let hit = false;
      for (let j = 0; j < syms.length; j++) {
        if (syms[j] === a && syms[j + 1] === b) {
          out.push(id);
          j++;
          hit = true;
        } else out.push(syms[j] as number);
      }
      if (!hit) continue;
      for (let j = 0; j + 1 < syms.length; j++) {
        const key = (syms[j] as number) * SHIFT + (syms[j + 1] as number);
        if (key !== top.key) delta.set(key, (delta.get(key) ?? 0) - freq);
      }
      for (let j = 0; j + 1 < out.length; j++) {
        const key = (out[j] as number) * SHIFT + (out[j + 1] as number);
        delta.set(key, (delta.get(key) ?? 0) + freq);
        addWord(key, w);
      }
      wordSyms[w] = out;
    }
    for (const [key, d] of delta) {
      if (d === 0) continue;
      const count = (pairCount.get(key) ?? 0) + d;
      if (count > 0) {
        pairCount.set(key, count);
        heap.push({ key, count });
      } else {
        pairCount.delete(key);
        pairWords.delete(key);
      }
    }
  }
  return { symbols, merges };
}

/**
 * Learn a small byte-level BPE tokenizer (GPT-2/Qwen style) from a corpus. Returns a valid HF tokenizer.json
 * object and a matching tokenizer_config.json object; deterministic for a given corpus and options.
 */
export function trainByteLevelBpe(options: TrainByteLevelBpeOptions): TrainedTokenizer {
  checkOptions(options);
  const { specialTokens } = options;
  const words = countWords(options.corpus, specialTokens);
  const maxSymbols = options.vocabSize - specialTokens.length;
  const { symbols, merges } = learnMerges(
    words,
    maxSymbols,
    options.minFrequency ?? 2,
    new Set(specialTokens),
  );

  const vocab: Record<string, number> = Object.fromEntries(symbols.map((s, i) => [s, i]));
  const added = specialTokens.map((content, i) => ({
    id: symbols.length + i,
    content,
    single_word: false as const,
    lstrip: false as const,
    rstrip: false as const,
    normalized: false as const,
    special: true as const,
  }));
  const tokenizerJson: ByteLevelBpeJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', ...BYTE_LEVEL },
    decoder: { type: 'ByteLevel', ...BYTE_LEVEL },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
  const named = [options.bosToken, options.eosToken, options.padToken];
  const tokenizerConfig: Record<string, unknown> = {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(added.map(({ id, ...rest }) => [String(id), rest])),
    additional_special_tokens: specialTokens.filter((t) => !named.includes(t)),
    bos_token: options.bosToken ?? null,
    clean_up_tokenization_spaces: false,
    eos_token: options.eosToken ?? null,
    errors: 'replace',
    pad_token: options.padToken ?? null,
    split_special_tokens: false,
    tokenizer_class: 'PreTrainedTokenizerFast',
    unk_token: null,
  };
  if (options.modelMaxLength !== undefined) tokenizerConfig.model_max_length = options.modelMaxLength;
  if (options.chatTemplate !== undefined) tokenizerConfig.chat_template = options.chatTemplate;
  return { tokenizerJson, tokenizerConfig };
}
