// The verbs of `lora`, each with its options (verb-options.ts), arguments, examples and a lazily loaded handler that
// receives the verb's options as one typed object.
import type { CliIo } from './io.js';
import type { OptionSpec } from './option-spec.js';
import type { OptionValues } from './option-types.js';
import type { Options } from './options.js';
import {
  CHAT_OPTIONS,
  EVAL_OPTIONS,
  GENERATE_OPTIONS,
  MERGE_OPTIONS,
  PLAN_OPTIONS,
  PREPARE_OPTIONS,
  QUANTIZE_OPTIONS,
  SWEEP_OPTIONS,
  TRAIN_OPTIONS,
} from './verb-options.js';

export interface CommandContext<V extends object = Record<string, unknown>> {
  io: CliIo;
  /** the verb's options, typed from their declarations (defaults < --config < flags; run settings where taken) */
  opts: V;
  /** where each value came from, its label for messages, and setting one (a default the verb computes) */
  options: Options<V>;
  /** positional arguments (chat's prompt) */
  args: string[];
}

export type CommandHandler<V extends object = Record<string, unknown>> = (
  ctx: CommandContext<V>,
) => Promise<number>;

export interface VerbDefinition<S extends OptionSpec = OptionSpec> {
  name: string;
  summary: string;
  options: readonly S[];
  args?: { name: string; description: string };
  examples: string[];
  load: () => Promise<CommandHandler<OptionValues<S>>>;
}

/**
 * A verb whose handler takes the typed object of its own options, listed with the others: run.ts builds that
 * object from `options` (resolve-options.ts), so the handler's type and the list cannot disagree.
 */
function verb<S extends OptionSpec>(definition: VerbDefinition<S>): VerbDefinition {
  return definition as unknown as VerbDefinition;
}

export const VERBS: VerbDefinition[] = [
  verb({
    name: 'train',
    summary: 'QLoRA/LoRA fine-tune; with no --model/--data, the embedded default task',
    options: TRAIN_OPTIONS,
    examples: [
      'lora train',
      'lora train --config examples/qwen2.5-1.5b-qlora-chatml.yml',
      'lora train --model models/Qwen2.5-0.5B-Instruct --data data.jsonl --eval-split 0.1 --lora-r 16 --max-steps 200',
    ],
    load: async () => (await import('./commands/train.js')).trainCommand,
  }),
  verb({
    name: 'plan',
    summary: 'the memory a training run needs, by part, from config.json alone; exit 1 when it does not fit',
    options: PLAN_OPTIONS,
    examples: [
      'lora plan --model models/Qwen2.5-1.5B-Instruct --lora-r 16 --batch-size 1 --max-length 512',
      'lora plan --config train.yml',
      'lora plan --model config.json --json',
    ],
    load: async () => (await import('./commands/plan.js')).planCommand,
  }),
  verb({
    name: 'eval',
    summary: 'loss, perplexity and (with --generate) accuracy of a model with or without an adapter',
    options: EVAL_OPTIONS,
    examples: [
      'lora eval --adapter runs/default/output --data runs/default/data/eval.jsonl',
      'lora eval --adapter runs/default/output --data runs/default/data/eval.jsonl --generate --compare',
    ],
    load: async () => (await import('./commands/eval.js')).evalCommand,
  }),
  verb({
    name: 'generate',
    summary: 'complete one prompt (chat template applied), streaming the answer',
    options: GENERATE_OPTIONS,
    examples: [
      'lora generate --prompt "Lily went to the park. She found a ball and saw a dog. Where was Lily?"',
      'lora generate --model gpt2 --raw --prompt "Once upon"',
    ],
    load: async () => (await import('./commands/generate.js')).generateCommand,
  }),
  verb({
    name: 'chat',
    summary: 'talk to a model: an interactive session (/reset, /exit), or one prompt given as an argument',
    options: CHAT_OPTIONS,
    args: { name: '[prompt...]', description: 'answer this one message and exit' },
    examples: [
      'lora chat',
      'lora chat "Tom found a kite at the beach. Then he saw a duck. What did Tom see?"',
    ],
    load: async () => (await import('./commands/chat.js')).chatCommand,
  }),
  verb({
    name: 'merge',
    summary: 'fold an adapter into its base and write a Hugging Face model folder',
    options: MERGE_OPTIONS,
    examples: ['lora merge --adapter runs/default/output --output runs/default/merged'],
    load: async () => (await import('./commands/merge.js')).mergeCommand,
  }),
  verb({
    name: 'quantize',
    summary: 'write a bitsandbytes-format 4-bit checkpoint of a model',
    options: QUANTIZE_OPTIONS,
    examples: [
      'lora quantize --model models/TinyLlama-1.1B-Chat-v1.0 --output models/tinyllama-nf4 --double-quant',
    ],
    load: async () => (await import('./commands/quantize.js')).quantizeCommand,
  }),
  verb({
    name: 'prepare',
    summary: 'merge, sample, shuffle and split dataset files into train.jsonl / eval.jsonl',
    options: PREPARE_OPTIONS,
    examples: [
      'lora prepare --config examples/qwen2.5-1.5b-qlora-data.yml',
      'lora prepare --data alpaca.json --output data --eval-ratio 0.1',
    ],
    load: async () => (await import('./commands/prepare.js')).prepareCommand,
  }),
  verb({
    name: 'sweep',
    summary: 'one training run per point of a grid or random search; compare them',
    options: SWEEP_OPTIONS,
    examples: ['lora sweep --config examples/gpt2-domain-sweep.yml'],
    load: async () => (await import('./commands/sweep.js')).sweepCommand,
  }),
];
