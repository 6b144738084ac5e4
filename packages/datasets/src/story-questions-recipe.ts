// The recipe that teaches stories260K the story-questions task with QLoRA in about a minute on 2 CPU cores: the
// embedded default of `lora train` and of the web app, kept here beside the task so both read the same values.
// stories260K never saw `</s>`: its row of the tied embedding equals, within 1e-3, the rows of 168 never-used
// tokens, so no LoRA on the linears can make it the likeliest token; the embedding trains too (PEFT's
// modules_to_save) and the model learns to end its answer with EOS.

/** The story-questions recipe: data, chat format, quantization, LoRA and optimizer settings, steps and lengths. */
export const STORY_QUESTIONS_RECIPE = {
  /** storyQuestionsTask's options: one story per example */
  data: { seed: 7, train: 4000, eval: 64 },
  /** the tokenizer has no chat template; Llama-2's is the shortest builtin */
  chatFormat: 'llama2',
  quant: 'nf4',
  doubleQuant: true,
  lora: { r: 8, alpha: 16, dropout: 0, targetModules: 'all-linear', modulesToSave: ['embed_tokens'] },
  learningRate: 3e-3,
  lrScheduler: 'linear',
  warmupSteps: 10,
  batchSize: 8,
  /** one pass over the 4,000 training stories at batch 8 */
  steps: 500,
  maxLength: 96,
  maxNewTokens: 16,
} as const;
