// The page: starts the training worker, forwards the buttons to it and draws what it reports.
import type { ChatMessage } from '@lora/chatml';
import type { BackendChoice, EvalResult, FromWorker, ToWorker } from './protocol.js';
import {
  addChatMessage,
  byId,
  showChart,
  showError,
  showEval,
  showProgress,
  showQlora,
  showSetup,
} from './view.js';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);

const trainButton = byId<HTMLButtonElement>('train');
const stopButton = byId<HTMLButtonElement>('stop');
const backendSelect = byId<HTMLSelectElement>('backend');
const chatForm = byId<HTMLFormElement>('chat-form');
const chatInput = byId<HTMLTextAreaElement>('chat-input');
const chatSend = byId<HTMLButtonElement>('chat-send');
const temperature = byId<HTMLInputElement>('chat-temperature');

const losses: [number, number][] = [];
const evalLosses: [number, number][] = [];
let before: EvalResult | undefined;
let history: ChatMessage[] = [];
let streaming: { bubble: HTMLElement; text: string } | undefined;
let chatSeed = 0;
let chatPrefill = '';

function setChatEnabled(enabled: boolean): void {
  chatInput.disabled = !enabled;
  chatSend.disabled = !enabled;
}

function handle(message: FromWorker): void {
  switch (message.type) {
    case 'ready':
      showSetup(message.info);
      chatPrefill = `${message.info.dataset.instruction}\n${message.info.tokenizer.sampleText}`;
      chatInput.value = chatPrefill;
      trainButton.disabled = false;
      document.body.dataset.state = 'ready';
      break;
    case 'backend':
      byId('backend-report').textContent = message.report;
      break;
    case 'phase':
      byId('phase').textContent = message.text;
      break;
    case 'qlora':
      showQlora(message.trainableLine, message.quantizedLinears, message.denseBytes, message.quantizedBytes);
      break;
    case 'eval':
      if (message.result.when === 'before') before = message.result;
      showEval(message.result, message.result.when === 'after' ? before : undefined);
      break;
    case 'progress':
      showProgress(message.info);
      losses.push([message.info.step, message.info.loss]);
      showChart(losses, evalLosses);
      break;
    case 'eval-loss':
      evalLosses.push([message.step, message.loss]);
      showChart(losses, evalLosses);
      break;
    case 'trained':
      byId('phase').textContent =
        `${message.stopped ? `stopped after ${message.steps} of ${message.maxSteps}` : `trained ${message.steps}`} steps in ${message.seconds.toFixed(1)} s — chat below`;
      stopButton.hidden = true;
      trainButton.disabled = false;
      trainButton.textContent = 'Train again';
      setChatEnabled(true);
      document.body.dataset.state = 'trained';
      break;
    case 'chat-delta':
      if (streaming) {
        streaming.text += message.text;
        streaming.bubble.textContent = streaming.text;
      }
      break;
    case 'chat-done':
      if (streaming) {
        streaming.bubble.classList.remove('streaming');
        streaming.bubble.dataset.done = message.reason;
        history.push({ role: 'assistant', content: streaming.text });
        streaming = undefined;
      }
      setChatEnabled(true);
      break;
    case 'error':
      showError(message.message);
      trainButton.disabled = false;
      stopButton.hidden = true;
      document.body.dataset.state = 'error';
      break;
  }
}

worker.addEventListener('message', (event: MessageEvent<FromWorker>) => handle(event.data));
worker.addEventListener('error', (event) => showError(`worker failed: ${event.message}`));

trainButton.addEventListener('click', () => {
  trainButton.disabled = true;
  setChatEnabled(false);
  losses.length = 0;
  evalLosses.length = 0;
  before = undefined;
  byId('error').hidden = true;
  for (const when of ['before', 'after'])
    for (const what of ['accuracy', 'perplexity', 'loss']) byId(`${when}-${what}`).textContent = '';
  stopButton.hidden = false;
  stopButton.disabled = false;
  document.body.dataset.state = 'training';
  send({ type: 'train', backend: backendSelect.value as BackendChoice });
});

stopButton.addEventListener('click', () => {
  stopButton.disabled = true;
  send({ type: 'stop' });
});

chatForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = chatInput.value.trim();
  if (text === '' || streaming) return;
  history.push({ role: 'user', content: text });
  addChatMessage('user', text);
  const bubble = addChatMessage('assistant', '');
  bubble.classList.add('streaming');
  streaming = { bubble, text: '' };
  setChatEnabled(false);
  chatSeed += 1;
  send({
    type: 'chat',
    messages: history,
    temperature: Number(temperature.value) || 0,
    maxNewTokens: 32,
    seed: chatSeed,
  });
});

byId('chat-reset').addEventListener('click', () => {
  history = [];
  byId('chat-log').replaceChildren();
  chatInput.value = chatPrefill;
});
