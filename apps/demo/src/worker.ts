// The training worker: owns the session (base model, data, training, chat) so the page stays responsive, and answers
// the page's requests (protocol.ts) one at a time, in order — except Stop, which acts at once. The run's files, and
// the model folder and data file the person picked, live in the origin private file system where the worker has one
// (else in memory), so a reload can resume a run or use the picked model without asking again.
import { memoryStorage, opfsStorage, type RunStorage } from '@lora/sft';
import { arrayLimitOf, selectBackend } from './backend.js';
import type { ChatFormatChoice } from './chat-setup.js';
import { type DataSource, uploadedSource } from './data-source.js';
import { stories260kFiles } from './fetched-files.js';
import { refuseUnfitModel, tabMemoryLimit } from './memory-estimate.js';
import { baseName, type ModelFiles, ModelFolderError } from './model-files.js';
import { storeData, storedData, storedModel, storeModel } from './model-store.js';
import type { BackendChoice, DataChoice, FromWorker, ModelChoice, ModelInfo, ToWorker } from './protocol.js';
import { type RunRecord, resumableRun } from './run-record.js';
import { DEFAULT_SETTINGS } from './run-settings.js';
import { DemoSession } from './session.js';
import { StopSwitch } from './stop-switch.js';
import { trainRun } from './training-run.js';

interface WorkerScope {
  crossOriginIsolated?: boolean;
  navigator?: { deviceMemory?: number };
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker) => scope.postMessage(message);
const isolated = scope.crossOriginIsolated === true;
const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** OPFS folder `name` where the worker has it (with atomic file writes), else memory. */
async function storageOf(name: string): Promise<RunStorage> {
  try {
    return await opfsStorage(name);
  } catch {
    return memoryStorage();
  }
}

const stores = Promise.all([
  storageOf('lora-demo'),
  storageOf('lora-demo-model'),
  storageOf('lora-demo-data'),
]).then(([run, model, data]) => ({ run, model, data }));
const session = new DemoSession();
let stops = new StopSwitch();
/** what the next run's record says (the resume offer reads it back) */
let modelRecord: RunRecord['model'] = { kind: 'default', label: 'stories260K' };
let dataRecord: RunRecord['data'] = { kind: 'stories' };
let settings: { chatFormat: ChatFormatChoice; steps: number } = {
  chatFormat: DEFAULT_SETTINGS.chatFormat,
  steps: DEFAULT_SETTINGS.steps,
};
/** the backend the page has selected: the estimate plans within its largest array */
let backend: BackendChoice = 'wasm';

async function start(): Promise<void> {
  let report: string;
  try {
    report = (await selectBackend('wasm', isolated)).report;
  } catch (error) {
    report = `${(await selectBackend('reference', isolated)).report} (wasm: ${describe(error)})`;
  }
  const { run, model } = await stores;
  const stored = await storedModel(model);
  post({ type: 'ready', isolated, backendReport: report, storedModel: stored?.label.replace(/\/$/, '') });
  const resumable = await resumableRun(run);
  if (resumable) post({ type: 'resumable', run: resumable.run });
}

/** A picked folder too large to train here is refused from its config.json and file sizes, before it is read. */
async function checkPicked(files: readonly File[], folder: string): Promise<void> {
  const config = files.find((f) => baseName(f.webkitRelativePath || f.name) === 'config.json');
  if (!config)
    throw new ModelFolderError(`${folder}/config.json: expected the model's config, got no such file`);
  const weightBytes = files.filter((f) => f.name.endsWith('.safetensors')).reduce((n, f) => n + f.size, 0);
  const limit = tabMemoryLimit(scope.navigator?.deviceMemory);
  refuseUnfitModel(
    `${folder}/`,
    await config.text(),
    weightBytes,
    { ...session.settings, ...settings },
    limit,
    await arrayLimitOf(backend),
  );
}

async function loadModel(choice: ModelChoice): Promise<void> {
  const { model } = await stores;
  let files: ModelFiles | undefined;
  let origin: ModelInfo['origin'] = 'shipped';
  if (choice.kind === 'default') files = stories260kFiles();
  else {
    if (choice.kind === 'upload') {
      await checkPicked(choice.files, choice.folder);
      post({ type: 'phase', text: `keeping ${choice.files.length} files in this browser's private storage` });
      await storeModel(model, choice.folder, choice.files);
    }
    files = await storedModel(model);
    origin = choice.kind === 'upload' ? 'picked' : 'stored';
    if (!files) throw new Error('model: expected a model folder kept in this browser, got none (pick one)');
  }
  post({ type: 'phase', text: `reading ${files.label}` });
  const info = await session.setBase(files, origin);
  modelRecord = { kind: choice.kind === 'default' ? 'default' : 'stored', label: info.label };
  post({ type: 'model', info });
  post({ type: 'phase', text: '' });
}

async function loadData(choice: DataChoice): Promise<void> {
  if (choice.kind === 'stories') {
    session.setData({ kind: 'stories' });
    dataRecord = { kind: 'stories' };
    return;
  }
  const source: DataSource = uploadedSource(choice.name, choice.bytes, DEFAULT_SETTINGS.seed);
  await storeData((await stores).data, choice.name, choice.bytes);
  session.setData({ kind: 'source', source });
  dataRecord = { kind: 'upload', name: choice.name };
}

/** Tokenize for the current base, format and steps; post the preview and the memory estimate (for the backend). */
async function configure(): Promise<void> {
  if (!session.model) return;
  const limit = tabMemoryLimit(scope.navigator?.deviceMemory);
  const array = await arrayLimitOf(backend);
  const { data, memory } = session.configure(settings.chatFormat, settings.steps, limit, array);
  post({ type: 'data', info: data });
  post({ type: 'memory', info: memory });
}

/** Load what the record in OPFS names, then continue its run from the last checkpoint. */
type Train = Extract<ToWorker, { type: 'train' }>;

async function resume(request: Train): Promise<void> {
  const { run, data } = await stores;
  const found = await resumableRun(run);
  if (!found)
    throw new Error('resume: expected an unfinished run with a checkpoint in this browser, got none');
  const r = found.record;
  await loadModel(r.model.kind === 'default' ? { kind: 'default' } : { kind: 'stored' });
  if (r.data.kind === 'stories') await loadData({ kind: 'stories' });
  else {
    const bytes = await storedData(data, r.data.name);
    if (!bytes)
      throw new Error(`resume: expected the data file ${r.data.name} kept in this browser, got none`);
    await loadData({ kind: 'upload', name: r.data.name, bytes });
  }
  settings = { chatFormat: r.chatFormat, steps: r.steps };
  backend = request.backend;
  await configure();
  await train(request);
}

async function train(request: Train): Promise<void> {
  if (request.backend !== backend) {
    backend = request.backend; // the run is checked against the plan for the backend it runs on
    await configure();
  }
  stops = new StopSwitch();
  const record: RunRecord = { model: modelRecord, data: dataRecord, ...settings, finished: false };
  await trainRun(session, request.backend, isolated, post, {
    storage: (await stores).run,
    stops,
    resume: request.resume,
    record,
    threads: request.threads,
  });
}

async function handle(request: Exclude<ToWorker, { type: 'stop' }>): Promise<void> {
  switch (request.type) {
    case 'model':
      await loadModel(request.choice);
      return configure();
    case 'data':
      await loadData(request.choice);
      return configure();
    case 'settings':
      settings = { chatFormat: request.chatFormat, steps: request.steps };
      backend = request.backend;
      return configure();
    case 'train':
      return request.resume ? resume(request) : train(request);
    case 'chat':
      return session.chat(request, post);
  }
}

let queue: Promise<void> = start().catch((error: unknown) =>
  post({ type: 'error', message: describe(error) }),
);

scope.addEventListener('message', (event) => {
  const request = event.data;
  if (request.type === 'stop') return stops.stop();
  queue = queue
    .then(() => handle(request))
    .catch((error: unknown) => post({ type: 'error', message: describe(error) }));
});
