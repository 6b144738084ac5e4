import { fileURLToPath } from 'node:url';
import { disposeBackends } from '@lora/core';
import { memoryStorage } from '@lora/sft';
import { STORIES260K_DIR } from '@lora/stories260k';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { tabMemoryLimit } from './memory-estimate.js';
import type { DataInfo, FromWorker, MemoryInfo, ModelInfo } from './protocol.js';
import { readRecord } from './run-record.js';
import { DemoSession } from './session.js';
import { StopSwitch } from './stop-switch.js';
import { diskFiles } from './test-support/disk-files.js';
import { trainRun } from './training-run.js';

// The page's flow in Node on the wasm backend, on the real stories260K: 8 steps of the story task.
const STEPS = 8;
const LIMIT = tabMemoryLimit(undefined);

let session: DemoSession;
let model: ModelInfo;
let prepared: { data: DataInfo; memory: MemoryInfo };
const storage = memoryStorage();
const messages: FromWorker[] = [];
const ofType = <T extends FromWorker['type']>(type: T) =>
  messages.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);
const record = {
  model: { kind: 'default', label: 'stories260K' },
  data: { kind: 'stories' },
  chatFormat: 'llama2',
  steps: STEPS,
  finished: false,
} as const;

beforeAll(async () => {
  session = new DemoSession();
  model = await session.setBase(await diskFiles(fileURLToPath(STORIES260K_DIR)), 'shipped');
  prepared = session.configure('llama2', STEPS, LIMIT);
  await storage.writeFile('left-by-an-earlier-run.txt', 'x');
  await trainRun(session, 'wasm', false, (m) => messages.push(m), { storage, record });
}, 300_000);
afterAll(() => disposeBackends());

describe('DemoSession on stories260K', () => {
  test('the base is the real stories260K, read from its bytes', () => {
    expect(model).toMatchObject({
      label: 'stories260K',
      architecture: 'llama',
      hiddenSize: 64,
      layers: 5,
      vocabSize: 512,
      hasChatTemplate: false,
    });
    expect(model.parameters).toBeGreaterThan(250_000);
    expect(model.nf4.map((s) => `${s.quantType}${s.doubleQuant ? '+dq' : ''}`)).toEqual([
      'nf4+dq',
      'nf4',
      'fp4',
    ]);
    expect(model.nf4[0]!.relativeRmse).toBeLessThan(0.15);
  });

  test('the data is the story task in the Llama-2 format, with the answer and </s> trained', () => {
    expect(prepared.data).toMatchObject({
      train: STEPS * 8,
      eval: 64,
      evalPrompts: 64,
      chatFormat: 'llama2',
    });
    const first = prepared.data.preview[0]!;
    expect(first.map((s) => s.text).join('')).toMatch(/^<s> ?\[INST\] .+\? \[\/INST\] \w+ <\/s>$/);
    expect(first.filter((s) => s.train).map((s) => s.text.trim())).toEqual([
      expect.stringMatching(/^\w+ <\/s>$/),
    ]);
    expect(prepared.data.chatPrefill).toMatch(/\?$/);
    expect(prepared.memory.fits).toBe(true);
    expect(prepared.memory.line).toMatch(/^memory plan: [\d.]+ MiB at peak/);
  });

  test('train posts the stages in order and the loss falls', () => {
    const order = messages
      .map((m) => m.type)
      .filter((t, i, all) => t !== all[i - 1] && t !== 'phase' && t !== 'eval-count');
    expect(order).toEqual(['backend', 'qlora', 'eval', 'progress', 'eval', 'files', 'trained']);
    expect(ofType('qlora')[0]!.quantizedLinears).toBe(35); // 7 per layer
    expect(ofType('qlora')[0]!.trainableLine).toMatch(/^trainable params: [\d,]+ \|\| all params/);
    const counts = ofType('eval-count')
      .filter((m) => m.when === 'before')
      .map((m) => m.done);
    expect(counts).toEqual([16, 32, 48, 64]);
    const [before, after] = ofType('eval').map((m) => m.result);
    expect(before).toMatchObject({ when: 'before', total: 64, planned: 64 });
    expect(after!.evalLoss).toBeLessThan(before!.evalLoss);
    expect(ofType('progress').map((m) => m.info.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test("the run's files are the Trainer's, with PEFT's adapter in the checkpoint and the record marked finished", async () => {
    expect((await storage.list()).map((e) => e.name)).toEqual([
      'checkpoint-8',
      'demo-run.json',
      'metrics.jsonl',
      'trainer_state.json',
      'training.log',
    ]);
    expect((await storage.list('checkpoint-8')).map((e) => e.name)).toEqual(
      expect.arrayContaining(['adapter_config.json', 'adapter_model.safetensors']),
    );
    expect(await readRecord(storage)).toMatchObject({ finished: true, steps: STEPS });
    const files = ofType('files')[0]!;
    expect(JSON.parse(files.adapterConfig)).toMatchObject({
      peft_type: 'LORA',
      r: 8,
      lora_alpha: 16,
      modules_to_save: ['embed_tokens'],
      base_model_name_or_path: 'stories260K',
    });
    expect(files.report).toMatch(/^# Fine-tune of stories260K in the browser/);
  });

  test('chat streams the reply in pieces that add up to the greedy eval answer', async () => {
    const chat: FromWorker[] = [];
    const after = ofType('eval').at(-1)!.result.predictions[0]!;
    await session.chat(
      {
        type: 'chat',
        messages: [{ role: 'user', content: after.input }],
        temperature: 0,
        maxNewTokens: 16,
        seed: 1,
      },
      (m) => chat.push(m),
    );
    expect(chat.at(-1)?.type).toBe('chat-done');
    const text = chat.flatMap((m) => (m.type === 'chat-delta' ? [m.text] : [])).join('');
    expect(text.trim()).toBe(after.got);
  });

  test('Stop ends the training at the next step; a second Stop interrupts the evaluation after it', async () => {
    const run: FromWorker[] = [];
    const stops = new StopSwitch();
    let evalStops = 0;
    await trainRun(
      session,
      'wasm',
      false,
      (m) => {
        run.push(m);
        if (m.type === 'progress' && m.info.step === 3) stops.stop();
        if (m.type === 'eval-count' && m.when === 'after' && evalStops++ === 0) stops.stop();
      },
      { stops },
    );
    expect(run.filter((m) => m.type === 'progress')).toHaveLength(3);
    expect(run.at(-1)).toMatchObject({ type: 'trained', info: { steps: 3, maxSteps: STEPS, stopped: true } });
    const after = run.flatMap((m) => (m.type === 'eval' && m.result.when === 'after' ? [m.result] : []));
    expect(after[0]).toMatchObject({ total: 16, planned: 64 });
  });
});
