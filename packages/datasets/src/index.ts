export type { Prng } from '@lora/core';
export { createPrng, shuffledIndices } from '@lora/core';
export type { EncodedSegments, TextSegment } from './align.js';
export { encodeSegments } from './align.js';
export type { ChatFormatSpec } from './chat-format.js';
export type { Batch, CollateOptions, CollateRow } from './collate.js';
export { collate } from './collate.js';
export type { DatasetErrorOptions, Location } from './errors.js';
export { DatasetError, describeLocation } from './errors.js';
export type { SftExample } from './examples.js';
export { hasEmptyTarget, toExample, toMessages } from './examples.js';
export type { CanonicalField, DatasetFormat, FieldMap } from './formats.js';
export { CANONICAL_FIELDS, checkFieldMap, DATASET_FORMATS, detectFormat } from './formats.js';
export type { DatasetInfoSource } from './llama-factory.js';
export { datasetInfoSource, readDatasetInfo } from './llama-factory.js';
export type { Converter, LoadedDataset, LoadStats, OnEmpty, SourceOptions } from './load.js';
export { createConverter, loadDataset, parseDataset, streamExamples } from './load.js';
export type { PackedBlock, PackStats } from './pack.js';
export { packExamples } from './pack.js';
export type { PrepareConfig, PreparedRecord, PrepareSource, PrepareStats, SourceStats } from './prepare.js';
export { prepareDatasets, toPreparedRecord } from './prepare.js';
export type { FileType, ParseOptions, RawRecord, ReadOptions } from './read.js';
export type { InvalidUtf8 } from './read-text.js';
export { fileTypeOf, parseRecords, readRecords } from './read.js';
export { sampleIndices } from './sample.js';
export { STORY_QUESTIONS_RECIPE } from './story-questions-recipe.js';
export type { StopTokenSource } from './generation-prompt.js';
export { promptIds, stopTokenIds } from './generation-prompt.js';
export type { CompletionTemplates } from './response-template.js';
export { completionSegments, promptOfText } from './response-template.js';
export type { SplitOptions, SplitSizes } from './split.js';
export { splitSizes, trainEvalSplit } from './split.js';
export type { SkipCount } from './stats.js';
export type { MessageTemplate } from './template.js';
export type { TokenEncoder } from './token-encoder.js';
export type {
  StoryQuestionExample,
  StoryQuestionKind,
  StoryQuestionsOptions,
  StoryQuestionsTask,
} from './story-questions.js';
export {
  STORY_MAX_EXAMPLES,
  STORY_QUESTION_KINDS,
  STORY_QUESTIONS,
  STORY_TEMPLATES,
  STORY_WORDS,
  storyQuestionsTask,
} from './story-questions.js';
export type { TopicExample, TopicLabel, TopicTask, TopicTaskOptions } from './topic-task.js';
export {
  TOPIC_FRAMES,
  TOPIC_INSTRUCTION,
  TOPIC_LABELS,
  TOPIC_MAX_PER_LABEL,
  topicClassificationTask,
  topicCorpus,
} from './topic-task.js';
export type {
  ExampleTokenizer,
  TokenizedExample,
  TokenizeOptions,
  TokenizeStats,
  TrainOn,
  WarningCount,
} from './tokenize.js';
export { createTokenizer, tokenizeDataset } from './tokenize.js';
export type { TurnTags } from './turns.js';
