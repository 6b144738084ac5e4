import { deviceMemory, onOpaqueBackend, type Parameter, toHost } from '@lora/core';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { AdamW } from './adamw.js';
import { TrainerConfigError } from './errors.js';

/** A trainable parameter in the active backend's memory. */
function param(name: string, values: number[], grad: number[], decay: boolean): Parameter {
  const memory = deviceMemory();
  return {
    name,
    shape: [values.length],
    data: memory.upload(Float32Array.from(values)),
    grad: memory.upload(Float32Array.from(grad)),
    trainable: true,
    decay,
  };
}

const host = async (p: Parameter) => Array.from(await toHost(p.data));
/** A one-value array in the active backend's memory (a clip factor). */
const scalar = (v: number) => deviceMemory().upload(Float32Array.of(v));

const backends = [
  ['reference', <T>(body: () => Promise<T>) => body()],
  ['opaque', <T>(body: () => Promise<T>) => onOpaqueBackend(body)],
] as const;

describe.each(backends)('AdamW on %s', (_backend, on) => {
  test('one step by hand: decoupled decay on decay params only, bias-corrected moments', () =>
    on(async () => {
      // torch.optim.AdamW step 1, lr 0.1, wd 0.01, g = 0.5:  p·(1 − 0.001) − (0.1 / (1 − 0.9)) · 0.05 / (√0.00025 / √0.001 + 1e-8)
      const w = param('w', [1], [0.5], true);
      const b = param('b', [1], [0.5], false);
      const opt = new AdamW([w, b], { weightDecay: 0.01 });
      opt.step(0.1);
      expectClose(await host(w), [0.999 - 0.05 / 0.50000001], { rtol: 1e-7, atol: 0 }, 'decayed');
      expectClose(await host(b), [1 - 0.05 / 0.50000001], { rtol: 1e-7, atol: 0 }, 'not decayed');
      expectClose(await toHost(opt.stateOf(0).expAvg), [0.05], { rtol: 1e-7 }, 'exp_avg');
      expectClose(await toHost(opt.stateOf(0).expAvgSq), [0.00025], { rtol: 1e-6 }, 'exp_avg_sq');
      expect(opt.stepCount).toBe(1);
    }));

  test('with zero gradients only weight decay moves parameters, and only those with decay: true', () =>
    on(async () => {
      const w = param('w', [2, -4], [0, 0], true);
      const b = param('b', [3], [0], false);
      const opt = new AdamW([w, b], { weightDecay: 0.5 });
      opt.step(0.1);
      expect(await host(w)).toEqual([Math.fround(2 * 0.95), Math.fround(-4 * 0.95)]);
      expect(await host(b)).toEqual([3]);
    }));

  test('packs the parameters by decay group; stateOf(i) follows the order they were given in', () =>
    on(async () => {
      const params = [param('b', [1], [0.5], false), param('w', [1, 2], [0.5, -0.5], true)];
      const opt = new AdamW(params);
      expect(opt.groups.map((g) => [g.decay, g.params.map((p) => p.name)])).toEqual([
        [true, ['w']],
        [false, ['b']],
      ]);
      opt.step(0.1);
      expect(Array.from(await toHost(opt.stateOf(0).expAvg))).toEqual([Math.fround(0.05)]);
      expect(Array.from(await toHost(opt.stateOf(1).expAvg))).toEqual([
        Math.fround(0.05),
        Math.fround(-0.05),
      ]);
      expect(opt.stateBytes()).toBe(2 * 3 * 4);
    }));

  test('gradScale f scales the gradients first: the update equals one on gradients scaled by f in float32', () =>
    on(async () => {
      const values = [0.3, -0.7, 1.1];
      const grads = [0.2, -0.1, 0.05];
      const f = 0.37;
      const scaled = param('w', values, grads, true);
      const optA = new AdamW([scaled], { weightDecay: 0.1 });
      const byHand = param(
        'w',
        values,
        grads.map((g) => Math.fround(g * Math.fround(f))),
        true,
      );
      const optB = new AdamW([byHand], { weightDecay: 0.1 });
      optA.step(0.01, scalar(f));
      optB.step(0.01);
      expect(await host(scaled)).toEqual(await host(byHand));
      expect(Array.from(await toHost(optA.stateOf(0).expAvgSq))).toEqual(
        Array.from(await toHost(optB.stateOf(0).expAvgSq)),
      );
      const [one, plain] = [param('w', values, grads, true), param('w', values, grads, true)];
      new AdamW([one], { weightDecay: 0.1 }).step(0.01, scalar(1)); // factor 1 (no clipping) is no scaling at all
      new AdamW([plain], { weightDecay: 0.1 }).step(0.01);
      expect(await host(one)).toEqual(await host(plain));
    }));

  test.each([Number.NaN, Number.POSITIVE_INFINITY])(
    'a non-finite gradScale (%f) skips the update: parameters and moments unchanged, the step count advances',
    (factor) =>
      on(async () => {
        const w = param('w', [0.3, -0.7], [0.2, -0.1], true);
        const b = param('b', [2], [1], false);
        const opt = new AdamW([w, b], { weightDecay: 0.1 });
        opt.step(0.01);
        const [pw, pb, m, v] = [
          await host(w),
          await host(b),
          await toHost(opt.stateOf(0).expAvg),
          await toHost(opt.stateOf(0).expAvgSq),
        ];
        opt.step(0.01, scalar(factor));
        expect([await host(w), await host(b)]).toEqual([pw, pb]);
        expect(await toHost(opt.stateOf(0).expAvg)).toEqual(m);
        expect(await toHost(opt.stateOf(0).expAvgSq)).toEqual(v);
        expect(opt.stepCount).toBe(2);
      }),
  );

  test('load() restores moments and step from host arrays so the next update matches an uninterrupted optimizer', () =>
    on(async () => {
      const make = () => param('w', [0.3, -0.7, 1.1], [0.2, -0.1, 0.05], true);
      const a = make();
      const optA = new AdamW([a], { weightDecay: 0.1 });
      optA.step(0.01);
      optA.step(0.02);
      const b = param('w', await host(a), [0.2, -0.1, 0.05], true);
      const optB = new AdamW([b], { weightDecay: 0.1 });
      const s = optA.stateOf(0);
      optB.load(2, [{ expAvg: await toHost(s.expAvg), expAvgSq: await toHost(s.expAvgSq) }]);
      optA.step(0.03);
      optB.step(0.03);
      expect(optB.stepCount).toBe(3);
      expect(await host(b)).toEqual(await host(a));
      expect(optB.stateBytes()).toBe(2 * 3 * 4);
    }));
});

describe('AdamW arguments', () => {
  test.each([
    [{ beta1: 1 }, /beta1: expected a number in \[0, 1\), got 1/],
    [{ eps: 0 }, /eps: expected a finite number > 0, got 0/],
    [{ weightDecay: -1 }, /weightDecay: expected a finite number >= 0, got -1/],
  ])('rejects %j', (options, message) => {
    expect(() => new AdamW([param('w', [1], [0], true)], options)).toThrow(message);
  });

  test('rejects a parameter without a grad buffer, naming it', () => {
    const p: Parameter = {
      name: 'model.norm.weight',
      shape: [2],
      data: new Float32Array(2),
      grad: undefined,
      trainable: true,
      decay: false,
    };
    expect(() => new AdamW([p])).toThrow(TrainerConfigError);
    expect(() => new AdamW([p])).toThrow(
      /AdamW parameter "model.norm.weight": expected a trainable parameter with a grad of 2 elements, got trainable=true, grad missing/,
    );
  });

  test('load() rejects moments of the wrong size or count, naming the parameter', () => {
    const opt = new AdamW([param('w', [1, 2], [0, 0], true)]);
    expect(() => opt.load(1, [{ expAvg: new Float32Array(3), expAvgSq: new Float32Array(2) }])).toThrow(
      /AdamW.load "w" exp_avg: expected 2 elements, got 3/,
    );
    expect(() => opt.load(1, [])).toThrow(/AdamW.load: expected 1 parameter states, got 0/);
    expect(() => opt.load(-1, [])).toThrow(/AdamW.load step: expected an integer >= 0, got -1/);
  });
});
