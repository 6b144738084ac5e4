import { disposeBackends } from '@lora/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FromWorker } from './protocol.js';
import { DEMO_SETTINGS, DemoSession, type DemoSettings } from './session.js';

// A small run of the page's flow on the wasm backend (in Node): 64 examples, 8 steps, 8 held-out prompts.
const SMALL: DemoSettings = {
  ...DEMO_SETTINGS,
  data: { ...DEMO_SETTINGS.data, train: 64, eval: 8, vocabSize: 400 },
  training: { ...DEMO_SETTINGS.training, epochs: 1, warmupSteps: 2, evalSteps: 4 },
  evalPrompts: 8,
  maxNewTokens: 4,
};

let session: DemoSession;
const messages: FromWorker[] = [];
const ofType = <T extends FromWorker['type']>(type: T) =>
  messages.filter((m): m is Extract<FromWorker, { type: T }> => m.type === type);

beforeAll(async () => {
  session = new DemoSession(SMALL);
  await expect(
    session.chat(
      { type: 'chat', messages: [{ role: 'user', content: 'hi' }], temperature: 0, maxNewTokens: 4, seed: 1 },
      () => {},
    ),
  ).rejects.toThrow(/expected a fine-tuned model, got none yet/);
  await session.train('wasm', false, (m) => messages.push(m));
});
afterAll(() => disposeBackends());

describe('DemoSession', () => {
  test('setup info describes what the page shows before training', () => {
    const info = session.setupInfo(false, 'backend: reference');
    expect(info.dataset).toMatchObject({ train: 64, eval: 8, labels: ['sports', 'food', 'weather', 'tech'] });
    expect(info.tokenizer.sampleTokens.join('')).toBe(info.tokenizer.sampleText);
    expect(info.chatml.map((s) => s.text).join('')).toMatch(
      /^<\|im_start\|>user\n.*<\|im_start\|>assistant\n\w+<\|im_end\|>\n$/s,
    );
    expect(info.chatml.filter((s) => s.train).map((s) => s.text)).toEqual([
      `${info.dataset.examples[0]!.output}<|im_end|>\n`,
    ]);
    expect(info.model).toMatchObject({
      architecture: 'Qwen2ForCausalLM',
      hiddenSize: 64,
      layers: 2,
      vocabSize: 400,
    });
    expect(info.nf4.map((s) => `${s.quantType}${s.doubleQuant ? '+dq' : ''}`)).toEqual([
      'nf4+dq',
      'nf4',
      'fp4',
    ]);
  });

  test('train posts the stages in order: backend, QLoRA, eval before, steps, eval losses, eval after, trained', () => {
    const order = messages.map((m) => m.type).filter((t, i, all) => t !== all[i - 1] && t !== 'phase');
    expect(order).toEqual([
      'backend',
      'qlora',
      'eval',
      'progress',
      'eval-loss',
      'progress',
      'eval-loss',
      'eval',
      'trained',
    ]);
    expect(ofType('backend')[0]!.report).toMatch(
      /^backend: wasm \(WebAssembly SIMD.*not crossOriginIsolated/,
    );
    const qlora = ofType('qlora')[0]!;
    expect(qlora.quantizedLinears).toBe(14); // 7 per layer: q, k, v, o, gate, up, down
    expect(qlora.quantizedBytes / qlora.denseBytes).toBeLessThan(0.2);
    expect(qlora.trainableLine).toMatch(
      /^trainable params: [\d,]+ \|\| all params: [\d,]+ \|\| trainable%: [\d.]+$/,
    );
  });

  test('progress covers every step with the linear schedule, and the evals are finite', () => {
    const steps = ofType('progress').map((m) => m.info);
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(steps.every((s) => s.maxSteps === 8 && Number.isFinite(s.loss) && s.tokensPerSec > 0)).toBe(true);
    // warmup 2 then linear decay to 0 at step 8 (transformers: lr(step) for the step about to run, from 0)
    const base = SMALL.training.learningRate;
    expect(steps.map((s) => s.lr)).toEqual(
      [0, 0.5, 1, 5 / 6, 4 / 6, 3 / 6, 2 / 6, 1 / 6].map((m) => expect.closeTo(base * m, 12)),
    );
    expect(ofType('eval-loss').map((m) => m.step)).toEqual([4, 8]);
    const [before, after] = ofType('eval').map((m) => m.result);
    expect(before!.when).toBe('before');
    expect(after!.when).toBe('after');
    for (const r of [before!, after!]) {
      expect(r.total).toBe(8);
      expect(r.predictions).toHaveLength(8);
      expect(r.correct).toBe(r.predictions.filter((p) => p.correct).length);
      expect(Number.isFinite(r.perplexity) && r.perplexity >= 1).toBe(true);
      expect(r.perplexity).toBeCloseTo(Math.exp(r.evalLoss), 9);
    }
    expect(after!.evalLoss).toBeLessThan(before!.evalLoss);
  });

  test('chat streams the reply in pieces that add up to it, then says why it stopped', async () => {
    const chat: FromWorker[] = [];
    const prompt = session.data.dataset.eval[0]!.messages[0]!.content;
    await session.chat(
      {
        type: 'chat',
        messages: [{ role: 'user', content: prompt }],
        temperature: 0,
        maxNewTokens: 6,
        seed: 1,
      },
      (m) => chat.push(m),
    );
    const done = chat.at(-1)!;
    expect(done.type).toBe('chat-done');
    const text = chat.flatMap((m) => (m.type === 'chat-delta' ? [m.text] : [])).join('');
    const after = ofType('eval').at(-1)!.result.predictions[0]!.got; // the eval answered the same prompt greedily
    expect(text.startsWith(after.slice(0, text.length))).toBe(true);
    if (done.type === 'chat-done') expect(done.tokens).toBeLessThanOrEqual(6);
  });

  test('a stop request ends the run at the next step boundary, which still evaluates after', async () => {
    const run: FromWorker[] = [];
    let steps = 0;
    await session.train(
      'wasm',
      false,
      (m) => {
        run.push(m);
        if (m.type === 'progress') steps = m.info.step;
      },
      { shouldStop: () => steps >= 3 },
    );
    expect(run.filter((m) => m.type === 'progress')).toHaveLength(3);
    expect(run.at(-1)).toMatchObject({ type: 'trained', steps: 3, maxSteps: 8, stopped: true });
    expect(run.filter((m) => m.type === 'eval').map((m) => m.type === 'eval' && m.result.when)).toEqual([
      'before',
      'after',
    ]);
  });
});
