// One run of the page, as `lora train` runs one: backend, the base quantized to NF4 with LoRA added, the held-out
// evaluation before, @lora/sft's Trainer (the CLI's loop; its checkpoints — with the PEFT adapter — and logs in the
// storage given, resumable), the evaluation after, then the adapter and the report for download. Posts every stage.
import { deviceMemory, hostMemory } from '@lora/core';
import { memoryStorage, type RunStorage, Trainer } from '@lora/sft';
import { adapterFiles, saveAdapterInto } from './adapter-files.js';
import { type AnswerEvalOptions, evaluateAnswers } from './answer-eval.js';
import { selectBackend } from './backend.js';
import type { BackendChoice, EvalResult } from './protocol.js';
import { buildQloraModel, type QloraModel } from './qlora-model.js';
import { runReport } from './report.js';
import { RUN_RECORD, type RunRecord, writeRecord } from './run-record.js';
import type { DemoSession, Post, PreparedRun } from './session.js';
import { StopSwitch } from './stop-switch.js';

export interface RunControl {
  /** where the run's checkpoints, metrics.jsonl, training.log and trainer_state.json go; default a fresh memoryStorage() */
  storage?: RunStorage;
  /** Stop: ends the training at the next step (with a checkpoint), or the evaluation after the current batch */
  stops?: StopSwitch;
  /** the wasm backend's threads; default 1 */
  threads?: number;
  /** continue from the storage's last checkpoint instead of emptying it */
  resume?: boolean;
  /** written to the storage as the run starts, and again marked finished when it ends */
  record?: RunRecord;
}

/** Empty a storage for a fresh run (keeping nothing of an earlier one). */
async function clearStorage(storage: RunStorage): Promise<void> {
  await storage.removeStaleTemps();
  for (const entry of await storage.list()) if (entry.name !== RUN_RECORD) await storage.remove(entry.name);
}

async function evaluate(
  when: 'before' | 'after',
  run: PreparedRun,
  q: QloraModel,
  stops: StopSwitch,
  post: Post,
): Promise<EvalResult> {
  const { signal, release } = stops.signal();
  const o: AnswerEvalOptions = {
    batchSize: 16,
    maxNewTokens: run.settings.maxNewTokens,
    stopIds: run.stopIds,
    padTokenId: run.padTokenId,
    signal,
    onCount: (done, total) => post({ type: 'eval-count', when, done, total }),
  };
  const model = when === 'before' ? 'the base model' : 'the fine-tuned model';
  post({ type: 'phase', text: `answering ${run.cases.length} held-out prompts with ${model}` });
  try {
    const result = await evaluateAnswers(
      when,
      q.model,
      run.base.tokenizer,
      run.format,
      run.cases,
      run.eval,
      o,
    );
    post({ type: 'eval', result });
    return result;
  } finally {
    release();
  }
}

/** QLoRA from the session's prepared run: quantize, add LoRA, evaluate, train, evaluate, offer the files. */
export async function trainRun(
  session: DemoSession,
  choice: BackendChoice,
  isolated: boolean,
  post: Post,
  control: RunControl = {},
): Promise<void> {
  if (session.busy) throw new Error('train: expected an idle session, got one that is already training');
  const run = session.prepared();
  if (!run.memory.fits) throw new Error(`train: refused: ${run.memory.refusal}`);
  const stops = control.stops ?? new StopSwitch();
  session.busy = true;
  session.trained = undefined;
  try {
    const backend = await selectBackend(choice, isolated, control.threads);
    post({ type: 'backend', report: backend.report });
    post({
      type: 'phase',
      text: 'quantizing the base to NF4 (double quant) and adding LoRA to every linear',
    });
    const q = buildQloraModel(run.base, run.settings.lora, run.model.label);
    const memory = deviceMemory();
    // webgpu: weights, adapter and buffers on the GPU; wasm: in the wasm memory, used in place by the kernels
    if (memory !== hostMemory) await q.model.useMemory(memory);
    post({
      type: 'qlora',
      trainableLine: q.trainableLine,
      quantizedLinears: q.quantizedLinears,
      denseBytes: q.denseLinearBytes,
      quantizedBytes: q.quantizedLinearBytes,
    });
    const before = await evaluate('before', run, q, stops, post);
    const storage = control.storage ?? memoryStorage();
    if (!control.resume) await clearStorage(storage);
    if (control.record) await writeRecord(storage, { ...control.record, finished: false });
    const s = run.settings;
    let tokensPerSec = 0;
    const trainer = new Trainer({
      model: { stepInto: q.model.stepInto.bind(q.model), parameters: () => q.lora.parameters() },
      trainDataset: run.train,
      ...(run.eval.length > 0 && { evalDataset: run.eval }),
      storage,
      saveAdapter: saveAdapterInto(q.lora, run.model.label),
      config: {
        padTokenId: run.padTokenId,
        learningRate: s.learningRate,
        lrSchedulerType: 'linear',
        warmupSteps: s.warmupSteps,
        batchSize: s.batchSize,
        epochs: 1,
        maxSteps: s.steps,
        seed: s.seed,
        ...(run.eval.length > 0 && { evalSteps: s.evalSteps }),
        saveSteps: s.saveSteps,
        saveTotalLimit: 1,
        loggingSteps: 25,
        resume: control.resume === true,
      },
      onProgress: (e) => {
        tokensPerSec = e.tokensPerSec;
        post({ type: 'progress', info: e });
      },
      onLog: (e) => {
        if (typeof e.eval_loss === 'number') post({ type: 'eval-loss', step: e.step, loss: e.eval_loss });
      },
    });
    post({
      type: 'phase',
      text: `${control.resume ? 'resuming' : 'training'}: ${trainer.plan.maxSteps} steps (checkpoints and logs in ${storage.location})`,
    });
    const release = stops.on(() => trainer.requestStop());
    const started = performance.now();
    let result: Awaited<ReturnType<Trainer['train']>>;
    try {
      result = await trainer.train();
    } finally {
      release();
    }
    const trained = {
      seconds: (performance.now() - started) / 1000,
      steps: result.globalStep,
      maxSteps: trainer.plan.maxSteps,
      stopped: result.stopped,
      tokensPerSec,
    };
    if (control.record && !result.stopped) await writeRecord(storage, { ...control.record, finished: true });
    const after = await evaluate('after', run, q, stops, post);
    session.trained = { run, qlora: q };
    const files = await adapterFiles(q.lora, run.model.label);
    const report = runReport({
      model: run.model,
      data: run.data,
      settings: run.settings,
      trainableLine: q.trainableLine,
      backendReport: backend.report,
      trained,
      before,
      after,
    });
    post({ type: 'files', adapterConfig: files.config, adapterWeights: files.weights, report });
    post({ type: 'trained', info: trained });
  } finally {
    session.busy = false;
  }
}
