// The page: starts the training worker, forwards the controls to it and draws what it reports. While a run goes,
// the controls that would change it (model, data, backend, format, steps) are locked.
import type { ChatMessage } from '@lora/chatml';
import type { ChatFormatChoice } from './chat-setup.js';
import { CHAT_FORMAT_CHOICES } from './chat-setup.js';
import { droppedFiles } from './dropped-files.js';
import { folderNameOf } from './model-store.js';
import type { BackendChoice, EvalResult, FromWorker, ModelChoice, ToWorker } from './protocol.js';
import { DEFAULT_SETTINGS } from './run-settings.js';
import { byId, clearError, showData, showError, showMemory, showModel } from './view.js';
import {
  addChatMessage,
  clearEval,
  offerDownload,
  showChart,
  showEval,
  showEvalCount,
  showProgress,
  showQlora,
} from './view-run.js';

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (message: ToWorker) => worker.postMessage(message);

const trainButton = byId<HTMLButtonElement>('train');
const stopButton = byId<HTMLButtonElement>('stop');
const backendSelect = byId<HTMLSelectElement>('backend');
const modelChoice = byId<HTMLSelectElement>('model-choice');
const modelFiles = byId<HTMLInputElement>('model-files');
const modelDrop = byId('model-drop');
const dataChoice = byId<HTMLSelectElement>('data-choice');
const dataFile = byId<HTMLInputElement>('data-file');
const formatSelect = byId<HTMLSelectElement>('chat-format');
const stepsInput = byId<HTMLInputElement>('steps');
const threadsSelect = byId<HTMLSelectElement>('threads');
const chatForm = byId<HTMLFormElement>('chat-form');
const chatInput = byId<HTMLTextAreaElement>('chat-input');
const chatSend = byId<HTMLButtonElement>('chat-send');
const temperature = byId<HTMLInputElement>('chat-temperature');
/** the controls a run must not change while it goes */
const runControls = [
  backendSelect,
  threadsSelect,
  modelChoice,
  modelFiles,
  dataChoice,
  dataFile,
  formatSelect,
  stepsInput,
];

const MODEL_KEY = 'lora-demo:model';
const losses: [number, number][] = [];
const evalLosses: [number, number][] = [];
let before: EvalResult | undefined;
let history: ChatMessage[] = [];
let streaming: { bubble: HTMLElement; text: string } | undefined;
let chatSeed = 0;
let chatPrefill = '';
let fits = false;
let running = false;

for (const choice of CHAT_FORMAT_CHOICES) {
  const label = choice === 'model' ? "the model's own template (ChatML without one)" : choice;
  formatSelect.append(new Option(label, choice, false, choice === DEFAULT_SETTINGS.chatFormat));
}
stepsInput.value = String(DEFAULT_SETTINGS.steps);
// the wasm backend's threads, up to the cores the browser reports (8 at most; more than one runs Web Workers over
// shared memory, which only a crossOriginIsolated page has). One by default: stories260K's matrices are so small that
// waking a second thread costs more than it saves (README, "Measured")
const cores = globalThis.crossOriginIsolated ? Math.min(8, navigator.hardwareConcurrency || 1) : 1;
for (let n = 1; n <= cores; n++) threadsSelect.append(new Option(`${n}`, `${n}`, false, n === 1));

function setChatEnabled(enabled: boolean): void {
  chatInput.disabled = !enabled;
  chatSend.disabled = !enabled;
}

function setRunning(on: boolean): void {
  running = on;
  for (const control of runControls) control.disabled = on;
  modelDrop.classList.toggle('locked', on);
  stopButton.hidden = !on;
  stopButton.disabled = false;
  trainButton.disabled = on || !fits;
  byId('resume').toggleAttribute('disabled', on);
  if (on) setChatEnabled(false);
}

function sendSettings(): void {
  const steps = Math.max(1, Math.round(Number(stepsInput.value) || DEFAULT_SETTINGS.steps));
  send({
    type: 'settings',
    chatFormat: formatSelect.value as ChatFormatChoice,
    steps,
    backend: backendSelect.value as BackendChoice,
  });
}

function loadModel(choice: ModelChoice): void {
  trainButton.disabled = true;
  clearError();
  send({ type: 'model', choice });
  if (choice.kind !== 'upload') localStorage.setItem(MODEL_KEY, choice.kind);
}

function setStoredModel(name: string): void {
  let option = Array.from(modelChoice.options).find((o) => o.value === 'stored');
  if (!option) {
    option = new Option('', 'stored');
    modelChoice.append(option);
  }
  option.textContent = `${name} — kept in this browser`;
}

function handle(message: FromWorker): void {
  switch (message.type) {
    case 'ready': {
      byId('backend-report').textContent = message.backendReport;
      if (message.storedModel) setStoredModel(message.storedModel);
      const stored = message.storedModel !== undefined && localStorage.getItem(MODEL_KEY) === 'stored';
      modelChoice.value = stored ? 'stored' : 'default';
      loadModel({ kind: stored ? 'stored' : 'default' });
      sendSettings();
      break;
    }
    case 'model':
      showModel(message.info);
      if (message.info.origin === 'picked') {
        setStoredModel(message.info.label);
        modelChoice.value = 'stored';
        localStorage.setItem(MODEL_KEY, 'stored');
        if (!message.info.hasChatTemplate && formatSelect.value === 'model') formatSelect.value = 'chatml';
      }
      break;
    case 'data':
      showData(message.info);
      showDataChoice(message.info.label);
      if (!running && (chatInput.value === '' || chatInput.value === chatPrefill))
        chatInput.value = message.info.chatPrefill ?? '';
      chatPrefill = message.info.chatPrefill ?? '';
      // a resumed run's steps are its record's; otherwise the field is the person's own, and a reply to an earlier
      // request (the model's first estimate, say) must not overwrite what they typed since
      if (running) stepsInput.value = String(message.info.steps);
      break;
    case 'memory':
      showMemory(message.info);
      fits = message.info.fits;
      trainButton.disabled = running || !fits;
      if (!running)
        document.body.dataset.state = document.body.dataset.state === 'trained' ? 'trained' : 'ready';
      break;
    case 'resumable':
      byId('resume-text').textContent =
        `A run in this browser stopped at step ${message.run.step} of ${message.run.maxSteps} (${message.run.model} on ${message.run.data}).`;
      byId('resume-offer').hidden = false;
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
    case 'eval-count':
      showEvalCount(message.when, message.done, message.total);
      break;
    case 'eval':
      if (message.result.when === 'before') before = message.result;
      showEval(message.result, message.result.when === 'after' ? before : undefined);
      if (message.result.when === 'after') {
        const answered = message.result.predictions.find((p) => p.correct);
        if (answered) chatPrefill = answered.input;
      }
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
    case 'files':
      offerDownload('download-config', message.adapterConfig, 'application/json');
      offerDownload('download-weights', message.adapterWeights, 'application/octet-stream');
      offerDownload('download-report', message.report, 'text/markdown');
      byId('download-info').hidden = false;
      break;
    case 'trained': {
      const t = message.info;
      byId('phase').textContent =
        `${t.stopped ? `stopped after ${t.steps} of ${t.maxSteps}` : `trained ${t.steps}`} steps in ${t.seconds.toFixed(1)} s — chat below`;
      setRunning(false);
      trainButton.textContent = 'Train again';
      chatInput.value = chatPrefill;
      setChatEnabled(true);
      document.body.dataset.state = 'trained';
      break;
    }
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
      chatInput.focus();
      break;
    case 'error':
      showError(message.message);
      pendingUpload = undefined;
      setRunning(false);
      document.body.dataset.state = 'error';
      break;
  }
}

worker.addEventListener('message', (event: MessageEvent<FromWorker>) => handle(event.data));
worker.addEventListener('error', (event) => showError(`worker failed: ${event.message}`));

function startRun(resume: boolean): void {
  losses.length = 0;
  evalLosses.length = 0;
  before = undefined;
  clearError();
  byId('resume-offer').hidden = true;
  clearEval();
  for (const id of ['download-config', 'download-weights', 'download-report', 'download-info'])
    byId(id).hidden = true;
  setRunning(true);
  document.body.dataset.state = 'training';
  const threads = Number(threadsSelect.value) || 1;
  send({ type: 'train', backend: backendSelect.value as BackendChoice, threads, resume });
}

trainButton.addEventListener('click', () => startRun(false));
byId('resume').addEventListener('click', () => startRun(true));
byId('resume-dismiss').addEventListener('click', () => {
  byId('resume-offer').hidden = true;
});
stopButton.addEventListener('click', () => {
  send({ type: 'stop' });
  byId('phase').textContent = 'stopping…';
});

modelChoice.addEventListener('change', () =>
  loadModel({ kind: modelChoice.value === 'stored' ? 'stored' : 'default' }),
);
modelFiles.addEventListener('change', () => {
  const files = Array.from(modelFiles.files ?? []);
  if (files.length > 0) loadModel({ kind: 'upload', files, folder: folderNameOf(files) });
  modelFiles.value = '';
});
modelDrop.addEventListener('dragover', (event) => {
  event.preventDefault();
  modelDrop.classList.add('over');
});
modelDrop.addEventListener('dragleave', () => modelDrop.classList.remove('over'));
modelDrop.addEventListener('drop', (event) => {
  event.preventDefault();
  modelDrop.classList.remove('over');
  if (running || !event.dataTransfer) return;
  droppedFiles(event.dataTransfer).then(
    ({ files, folder }) => loadModel({ kind: 'upload', files, folder }),
    (error: unknown) => showError(`drop: ${error instanceof Error ? error.message : String(error)}`),
  );
});

/** the file being read, and the last one the worker read (sent again when the person switches back to it) */
let pendingUpload: { name: string; bytes: Uint8Array } | undefined;
let uploaded: { name: string; bytes: Uint8Array } | undefined;
dataChoice.addEventListener('change', () => {
  if (dataChoice.value === 'stories') send({ type: 'data', choice: { kind: 'stories' } });
  else if (uploaded) send({ type: 'data', choice: { kind: 'upload', ...uploaded } });
});
dataFile.addEventListener('change', async () => {
  const file = dataFile.files?.[0];
  if (!file) return;
  clearError();
  pendingUpload = { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
  send({ type: 'data', choice: { kind: 'upload', ...pendingUpload } });
  dataFile.value = '';
});

/** The data menu follows what the worker read: the story task, or a file (picked now, or read back for a resume). */
function showDataChoice(label: string): void {
  if (pendingUpload?.name === label) uploaded = pendingUpload;
  pendingUpload = undefined;
  const stories = label.startsWith('story questions');
  if (!stories) {
    const option = Array.from(dataChoice.options).find((o) => o.value === 'upload')!;
    option.hidden = false;
    option.textContent = `uploaded: ${label}`;
  }
  dataChoice.value = stories ? 'stories' : 'upload';
}
formatSelect.addEventListener('change', sendSettings);
stepsInput.addEventListener('change', sendSettings);
backendSelect.addEventListener('change', sendSettings); // the estimate is within the backend's largest array

chatInput.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  chatForm.requestSubmit();
});

chatForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = chatInput.value.trim();
  if (text === '' || streaming || chatInput.disabled) return;
  history.push({ role: 'user', content: text });
  addChatMessage('user', text);
  chatInput.value = '';
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
