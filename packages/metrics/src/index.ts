export type { BleuOptions, BleuScore, BleuSmoothing } from './bleu.js';
export { computeBleu, corpusBleu, sentenceBleu } from './bleu.js';
export type { BleuTokenizer } from './bleu-tokenizers.js';
export { BLEU_TOKENIZERS, bleuTokenize, isSacreBleuChineseChar } from './bleu-tokenizers.js';
export type { ChrfOptions, ChrfScore } from './chrf.js';
export { corpusChrf, sentenceChrf } from './chrf.js';
export type {
  ClassificationReport,
  ClassificationReportOptions,
  ClassReportRow,
  ClassScores,
} from './classification-report.js';
export { classificationReport } from './classification-report.js';
export type { ConfusionMatrix } from './confusion-matrix.js';
export { confusionMatrix } from './confusion-matrix.js';
export { MetricsError } from './errors.js';
export type { ExactMatchResult, NormalizeOptions } from './exact-match.js';
export { exactMatch, normalizeText } from './exact-match.js';
export type { LabelOptions } from './labels.js';
export { compareCodePoints } from './labels.js';
export type { ChartSeries, LineChartOptions, Scale } from './line-chart-svg.js';
export { lineChartSvg } from './line-chart-svg.js';
export type { Align, ColumnSpec } from './markdown-table.js';
export { escapeCell, formatCell, markdownTable } from './markdown-table.js';
export type { Ticks } from './nice-ticks.js';
export { formatTick, logTicks, niceLinearTicks } from './nice-ticks.js';
export { PerplexityMeter } from './perplexity.js';
export type { References } from './references.js';
export type { ConfusionMatrixMarkdownOptions } from './report-markdown.js';
export { classificationReportMarkdown, confusionMatrixMarkdown } from './report-markdown.js';
export type { RougeOptions, RougeScore, RougeTokenizer } from './rouge.js';
export { corpusRougeL, lcsLength, rougeL, rougeTokenize } from './rouge.js';
export { displayWidth, escapeXml } from './text-width.js';
export type { TokenAccuracyOptions, TokenMatches } from './token-accuracy.js';
export { IGNORE_INDEX, tokenAccuracy, tokenMatches } from './token-accuracy.js';
