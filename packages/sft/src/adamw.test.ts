import type { Parameter } from '@lora/core';
import { expectClose } from '@lora/testing';
import { describe, expect, test } from 'vitest';
import { AdamW } from './adamw.js';
import { TrainerConfigError } from './errors.js';

function param(name: string, values: number[], grad: number[], decay: boolean): Parameter {
  return {
    name,
    shape: [values.length],
    data: Float32Array.from(values),
    grad: Float32Array.from(grad),
    trainable: true,
    decay,
  };
}

describe('AdamW', () => {
  test('one step by hand: decoupled decay on decay params only, bias-corrected moments', () => {
    // torch.optim.AdamW step 1, lr 0.1, wd 0.01, g = 0.5:  p·(1 − 0.001) − (0.1 / (1 − 0.9)) · 0.05 / (√0.00025 / √0.001 + 1e-8)
    const w = param('w', [1], [0.5], true);
    const b = param('b', [1], [0.5], false);
    const opt = new AdamW([w, b], { weightDecay: 0.01 });
    opt.step(0.1);
    expectClose(w.data, [0.999 - 0.05 / 0.50000001], { rtol: 1e-7, atol: 0 }, 'decayed');
    expectClose(b.data, [1 - 0.05 / 0.50000001], { rtol: 1e-7, atol: 0 }, 'not decayed');
    expectClose(opt.stateOf(0).expAvg, [0.05], { rtol: 1e-7 }, 'exp_avg');
    expectClose(opt.stateOf(0).expAvgSq, [0.00025], { rtol: 1e-6 }, 'exp_avg_sq');
    expect(opt.stepCount).toBe(1);
  });

  test('with zero gradients only weight decay moves parameters, and only those with decay: true', () => {
    const w = param('w', [2, -4], [0, 0], true);
    const b = param('b', [3], [0], false);
    const opt = new AdamW([w, b], { weightDecay: 0.5 });
    opt.step(0.1);
    expect(Array.from(w.data)).toEqual([Math.fround(2 * 0.95), Math.fround(-4 * 0.95)]);
    expect(Array.from(b.data)).toEqual([3]);
  });

  test('load() restores moments and step so the next update matches an uninterrupted optimizer', () => {
    const make = () => param('w', [0.3, -0.7, 1.1], [0.2, -0.1, 0.05], true);
    const a = make();
    const optA = new AdamW([a], { weightDecay: 0.1 });
    optA.step(0.01);
    optA.step(0.02);
    const b = make();
    b.data.set(a.data);
    const optB = new AdamW([b], { weightDecay: 0.1 });
    optB.load(2, [optA.stateOf(0)]);
    optA.step(0.03);
    optB.step(0.03);
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(optB.stateBytes()).toBe(2 * 3 * 4);
  });

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

  test('load() rejects moments of the wrong size, naming the parameter', () => {
    const opt = new AdamW([param('w', [1, 2], [0, 0], true)]);
    expect(() => opt.load(1, [{ expAvg: new Float32Array(3), expAvgSq: new Float32Array(2) }])).toThrow(
      /AdamW.load "w" exp_avg: expected 2 elements, got 3/,
    );
  });
});
