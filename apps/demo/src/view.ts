// Rendering the setup into the page: the base model, the data and its preview, the memory estimate. Each function
// fills one part of index.html from the worker's plain data.
import { formatBytes, formatNumber, formatPercent, formatSeconds } from './format.js';
import type { DataInfo, MemoryInfo, ModelInfo } from './protocol.js';

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`demo page: expected an element #${id}, got none`);
  return element as T;
}

export function make(tag: string, text: string, className?: string): HTMLElement {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

export function row(cells: string[], header = false): HTMLTableRowElement {
  const tr = document.createElement('tr');
  for (const cell of cells) tr.append(make(header ? 'th' : 'td', cell));
  return tr;
}

const ORIGIN: Record<ModelInfo['origin'], string> = {
  shipped: 'shipped with this page (@lora/stories260k)',
  picked: 'read from the folder you picked, now kept in this browser',
  stored: 'read back from this browser’s private storage',
};

export function showModel(m: ModelInfo): void {
  byId('model-info').textContent =
    `${m.label}: ${m.architecture}, hidden ${m.hiddenSize}, ${m.layers} layers, ${m.heads} heads, vocabulary ${m.vocabSize}, ` +
    `${m.parameters.toLocaleString('en')} parameters (${formatBytes(m.weightBytes)} of safetensors) — ${ORIGIN[m.origin]}; ` +
    `read in ${formatSeconds(m.seconds)}.${m.hasChatTemplate ? ' Its tokenizer has a chat template.' : ''}`;
  byId('nf4-weight').textContent = m.nf4Weight;
  byId<HTMLTableElement>('nf4-table').replaceChildren(
    row(['scheme', 'bits/param', 'size', 'rel. RMSE', 'max |err|'], true),
    ...m.nf4.map((s) =>
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

export function showData(d: DataInfo): void {
  byId('data-info').textContent =
    `${d.label} (${d.format}): ${d.train.toLocaleString('en')} training examples, ${d.eval} held out, ` +
    `${d.evalPrompts} held-out questions answered before and after; rendered with the ${d.chatFormat} chat format.`;
  byId('data-lines').replaceChildren(...d.lines.map((line) => make('li', line)));
  byId('data-preview').replaceChildren(
    ...d.preview.map((spans) => {
      const pre = document.createElement('pre');
      pre.className = 'chat-text';
      pre.append(...spans.map((s) => make('span', s.text, s.train ? 'train' : undefined)));
      return pre;
    }),
  );
}

export function showMemory(m: MemoryInfo): void {
  const element = byId('memory');
  element.textContent = m.fits ? m.line : `${m.line} — refused: ${m.refusal}`;
  element.classList.toggle('refused', !m.fits);
}

export function showError(message: string): void {
  const element = byId('error');
  element.textContent = message;
  element.hidden = false;
}

export function clearError(): void {
  const element = byId('error');
  element.textContent = '';
  element.hidden = true;
}
