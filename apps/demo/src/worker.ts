// The training worker: owns the session (data, model, training, chat) so the page stays responsive; it answers the
// page's requests with the messages of protocol.ts. Synchronous kernels may block here (Atomics.wait is allowed).
import { selectBackend } from './backend.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { DemoSession } from './session.js';

interface WorkerScope {
  crossOriginIsolated?: boolean;
  postMessage(message: FromWorker): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<ToWorker>) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
const post = (message: FromWorker) => scope.postMessage(message);
const isolated = scope.crossOriginIsolated === true;
const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** A macrotask turn without setTimeout's 4 ms clamp, so a 'stop' message is read between training steps. */
const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();
const yieldToMessages = () =>
  new Promise<void>((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(0);
  });

let stopRequested = false;

async function start(): Promise<DemoSession> {
  const session = new DemoSession();
  let report: string;
  try {
    report = (await selectBackend('wasm', isolated)).report;
  } catch (error) {
    report = `${(await selectBackend('reference', isolated)).report} (wasm: ${describe(error)})`;
  }
  post({ type: 'ready', info: session.setupInfo(isolated, report) });
  return session;
}

const ready = start();
ready.catch((error: unknown) => post({ type: 'error', message: describe(error) }));

scope.addEventListener('message', (event) => {
  const request = event.data;
  if (request.type === 'stop') {
    stopRequested = true;
    return;
  }
  ready
    .then(async (session) => {
      if (request.type === 'chat') return session.chat(request, post);
      stopRequested = false;
      await session.train(request.backend, isolated, post, {
        yieldBetweenSteps: yieldToMessages,
        shouldStop: () => stopRequested,
      });
    })
    .catch((error: unknown) => post({ type: 'error', message: describe(error) }));
});
