// Rendering into the page: each function fills one part of index.html from the worker's plain data.
import { lineChartSvg } from '@lora/metrics';
import { formatBytes, formatNumber, formatPercent, formatSeconds } from './format.js';
import type { EvalResult, ProgressInfo, SetupInfo } from './protocol.js';

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`demo page: expected an element #${id}, got none`);
  return element as T;
}

function make(tag: string, text: string, className?: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

function row(cells: string[], header = false): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const cell of cells) tr.append(make(header ? 'th' : 'td', cell));
  return tr;
}

export function showSetup(info: SetupInfo): void {
  byId('backend-report').textContent = info.backendReport;
  const d = info.dataset;
  byId('data-info').textContent =
    `${d.train} training and ${d.eval} held-out sentences; the label (${d.labels.join(', ')}) is given away only by two keywords, and held-out keyword pairs never occur in training.`;
  byId('data-examples').replaceChildren(
    ...d.examples.map((e) => {
      const li = make('li', `${e.input} → `);
      li.append(make('b', e.output));
      return li;
    }),
  );
  const t = info.tokenizer;
  byId('tokenizer-info').textContent =
    `Trained here on the dataset: ${t.vocabSize} tokens. Training set: ${t.trainTokens} tokens, ${t.labelTokens} of them with a loss. “${t.sampleText}” becomes:`;
  byId('tokens').replaceChildren(...t.sampleTokens.map((token) => make('span', token)));
  byId('chatml').replaceChildren(
    ...info.chatml.map((s) => make('span', s.text, s.train ? 'train' : undefined)),
  );
  const m = info.model;
  byId('model-info').textContent =
    `${m.architecture} with seeded random weights: hidden ${m.hiddenSize}, ${m.layers} layers, ${m.heads} heads, vocabulary ${m.vocabSize}, ${m.parameters.toLocaleString('en')} parameters. Made in ${formatSeconds(info.seconds)} with the tokenizer and data.`;
  const table = byId<HTMLTableElement>('nf4-table');
  table.replaceChildren(
    row(['scheme', 'bits/param', 'size', 'rel. RMSE', 'max |err|'], true),
    ...info.nf4.map((s) =>
      row([
        `${s.quantType.toUpperCase()}${s.doubleQuant ? ' + double quant' : ''}`,
        s.bitsPerParameter.toFixed(3),
        `${formatBytes(s.quantizedBytes)} of ${formatBytes(s.denseBytes)}`,
        formatPercent(s.relativeRmse),
        formatNumber(s.maxAbsError, 3),
      ]),
    ),
  );
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

export function showEval(result: EvalResult, before: EvalResult | undefined): void {
  const w = result.when;
  const cell = (name: string, text: string, better: boolean) => {
    const td = byId(`${w}-${name}`);
    td.textContent = text;
    td.classList.toggle('better', better);
  };
  const improved = (a: number, b: number | undefined, higher: boolean) =>
    b !== undefined && (higher ? a > b : a < b);
  cell(
    'accuracy',
    `${formatPercent(result.accuracy)} (${result.correct}/${result.total})`,
    improved(result.accuracy, before?.accuracy, true),
  );
  cell('perplexity', formatNumber(result.perplexity), improved(result.perplexity, before?.perplexity, false));
  cell('loss', formatNumber(result.evalLoss), improved(result.evalLoss, before?.evalLoss, false));
  const table = byId<HTMLTableElement>('predictions');
  const first = before ?? result;
  const after = before ? result : undefined;
  table.replaceChildren(
    row(['held-out sentence', 'label', 'before', 'after'], true),
    ...first.predictions.map((p, i) => {
      const tr = row([p.input, p.expected, p.got, after?.predictions[i]?.got ?? '']);
      tr.cells[2]!.classList.toggle('wrong', !p.correct);
      if (after) tr.cells[3]!.classList.toggle('wrong', !after.predictions[i]!.correct);
      return tr;
    }),
  );
}

export function showQlora(line: string, linears: number, dense: number, quantized: number): void {
  byId('qlora-info').textContent =
    `${linears} linears in NF4: ${formatBytes(dense)} → ${formatBytes(quantized)} · ${line}`;
}

/** Appends a chat message bubble and returns it (the assistant's grows as tokens arrive). */
export function addChatMessage(role: 'user' | 'assistant', text: string): HTMLElement {
  const bubble = make('div', text, `msg ${role}`);
  byId('chat-log').append(bubble);
  return bubble;
}

export function showError(message: string): void {
  const element = byId('error');
  element.textContent = message;
  element.hidden = false;
}
