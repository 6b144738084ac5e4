// Rendering a run into the page: QLoRA's line, progress, the live loss curve, the evaluation before and after with
// answers side by side, the downloads, and the chat bubbles.
import { lineChartSvg } from '@lora/metrics';
import { formatBytes, formatNumber, formatPercent, formatSeconds } from './format.js';
import type { EvalResult, ProgressInfo } from './protocol.js';
import { byId, make, row } from './view.js';

/** Answers shown outside the "every answer" details. */
const SHOWN_ANSWERS = 6;

export function showQlora(line: string, linears: number, dense: number, quantized: number): void {
  byId('qlora-info').textContent =
    `${linears} linears in NF4: ${formatBytes(dense)} → ${formatBytes(quantized)} · ${line}`;
}

export function showProgress(p: ProgressInfo): void {
  byId('stat-step').textContent = `${p.step} / ${p.maxSteps}`;
  byId('stat-loss').textContent = formatNumber(p.loss);
  byId('stat-lr').textContent = formatNumber(p.lr, 3);
  byId('stat-tps').textContent = Math.round(p.tokensPerSec).toLocaleString('en');
  byId('stat-eta').textContent = formatSeconds(p.etaSeconds);
  const bar = byId<HTMLProgressElement>('progress-bar');
  bar.max = p.maxSteps;
  bar.value = p.step;
}

/** The live loss curve: train loss per step and eval loss at each evaluation (log scale). */
export function showChart(train: [number, number][], evals: [number, number][]): void {
  const series = [{ name: 'train loss', points: train, color: '#1f77b4' }];
  if (evals.length > 0) series.push({ name: 'eval loss', points: evals, color: '#ff7f0e' });
  byId('chart').innerHTML = lineChartSvg({
    series,
    title: 'Loss',
    xLabel: 'step',
    yLabel: 'loss (nats/token)',
    yScale: 'log',
    width: 720,
    height: 300,
  });
}

export function clearEval(): void {
  for (const when of ['before', 'after'])
    for (const what of ['accuracy', 'perplexity', 'loss']) byId(`${when}-${what}`).textContent = '';
  byId('examples').replaceChildren();
  byId('predictions').replaceChildren();
  byId('eval-count').textContent = '';
}

function answersTable(id: string, first: EvalResult, after: EvalResult | undefined, count: number): void {
  byId(id).replaceChildren(
    row(['question', 'expected', 'before', 'after'], true),
    ...first.predictions.slice(0, count).map((p, i) => {
      const tr = row([p.input, p.expected, p.got, after?.predictions[i]?.got ?? '']);
      tr.cells[2]!.classList.toggle('wrong', !p.correct);
      if (after?.predictions[i]) tr.cells[3]!.classList.toggle('wrong', !after.predictions[i]!.correct);
      return tr;
    }),
  );
}

export function showEval(result: EvalResult, before: EvalResult | undefined): void {
  const w = result.when;
  const cell = (name: string, text: string, better: boolean) => {
    const td = byId(`${w}-${name}`);
    td.textContent = text;
    td.classList.toggle('better', better);
  };
  const improved = (a: number, b: number | undefined, higher: boolean) =>
    b !== undefined && (higher ? a > b : a < b);
  const partial =
    result.total < result.planned ? ` — stopped after ${result.total} of ${result.planned}` : '';
  cell(
    'accuracy',
    `${formatPercent(result.accuracy)} (${result.correct}/${result.total})${partial}`,
    improved(result.accuracy, before?.accuracy, true),
  );
  cell('perplexity', formatNumber(result.perplexity), improved(result.perplexity, before?.perplexity, false));
  cell('loss', formatNumber(result.evalLoss), improved(result.evalLoss, before?.evalLoss, false));
  const first = before ?? result;
  const after = before ? result : undefined;
  answersTable('examples', first, after, SHOWN_ANSWERS);
  answersTable('predictions', first, after, first.predictions.length);
}

export function showEvalCount(when: 'before' | 'after', done: number, total: number): void {
  byId('eval-count').textContent =
    `${when === 'before' ? 'base model' : 'fine-tuned model'}: answered ${done} of ${total} held-out questions`;
}

/** Point a download link at `contents` (a fresh object URL) and show it. */
export function offerDownload(id: string, contents: string | Uint8Array, type: string): void {
  const link = byId<HTMLAnchorElement>(id);
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([contents as BlobPart], { type }));
  link.hidden = false;
}

/** Appends a chat message bubble and returns it (the assistant's grows as tokens arrive). */
export function addChatMessage(role: 'user' | 'assistant', text: string): HTMLElement {
  const bubble = make('div', text, `msg ${role}`);
  byId('chat-log').append(bubble);
  return bubble;
}
