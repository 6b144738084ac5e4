// The run's report (report.md, offered for download next to the adapter): what was trained on what, with which
// settings, how long it took, and the held-out results before and after with a few answers side by side.
import { formatNumber, formatPercent } from './format.js';
import type { DataInfo, EvalResult, ModelInfo, TrainedInfo } from './protocol.js';
import type { RunSettings } from './run-settings.js';

export interface RunSummary {
  model: ModelInfo;
  data: DataInfo;
  settings: RunSettings;
  trainableLine: string;
  backendReport: string;
  trained: TrainedInfo;
  before: EvalResult;
  after: EvalResult;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function evalRow(name: string, before: EvalResult, after: EvalResult): string[] {
  const answers = (r: EvalResult) => `${formatPercent(r.accuracy)} (${r.correct}/${r.total})`;
  return [
    `| ${name} exact match | ${answers(before)} | ${answers(after)} |`,
    `| eval loss (answer tokens) | ${formatNumber(before.evalLoss, 6)} | ${formatNumber(after.evalLoss, 6)} |`,
    `| perplexity | ${formatNumber(before.perplexity)} | ${formatNumber(after.perplexity)} |`,
  ];
}

/** report.md of a finished (or stopped) run; `examples` answers are listed. */
export function runReport(s: RunSummary, examples = 8): string {
  const t = s.settings;
  const lora = `LoRA r=${t.lora.r}, alpha=${t.lora.alpha}, dropout ${t.lora.dropout}, all linears${t.lora.modulesToSave.length > 0 ? `, modules_to_save ${t.lora.modulesToSave.join(', ')}` : ''}`;
  const lines = [
    `# Fine-tune of ${s.model.label} in the browser`,
    '',
    '| | |',
    '| --- | --- |',
    `| base model | ${s.model.label} (${s.model.architecture}, ${s.model.layers} layers, hidden ${s.model.hiddenSize}, ${s.model.parameters.toLocaleString('en')} parameters) |`,
    '| quantization | NF4 + double quant 4-bit base |',
    `| adapter | ${lora} |`,
    `| trainable parameters | ${s.trainableLine} |`,
    `| data | ${cell(s.data.label)} (${s.data.format}): ${s.data.train} train examples, ${s.data.eval} held out |`,
    `| chat format | ${s.data.chatFormat} |`,
    `| optimizer | AdamW lr ${t.learningRate} (linear, warmup ${t.warmupSteps}), batch ${t.batchSize}, max length ${t.maxLength} |`,
    `| steps | ${s.trained.steps} of ${s.trained.maxSteps}${s.trained.stopped ? ' (stopped)' : ''} in ${s.trained.seconds.toFixed(1)} s, ${Math.round(s.trained.tokensPerSec)} tokens/s |`,
    `| backend | ${cell(s.backendReport)} |`,
    '',
    '## Held-out evaluation',
    '',
    '| | before | after |',
    '| --- | --- | --- |',
    ...evalRow('answers', s.before, s.after),
    '',
    `eval_loss after: ${s.after.evalLoss}`,
    '',
    '## Answers',
    '',
    '| prompt | expected | before | after |',
    '| --- | --- | --- | --- |',
    ...s.after.predictions
      .slice(0, examples)
      .map(
        (p, i) =>
          `| ${cell(p.input)} | ${cell(p.expected)} | ${cell(s.before.predictions[i]?.got ?? '')} | ${cell(p.got)} |`,
      ),
    '',
  ];
  return lines.join('\n');
}
