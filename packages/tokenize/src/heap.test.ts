import { makeRng } from '@lora/testing';
import { expect, test } from 'vitest';
import { BinaryHeap } from './heap.js';

test.each([0, 1, 2, 7, 100, 1000])('pops %i seeded numbers in order', (n) => {
  const rng = makeRng(n + 1);
  const values = Array.from({ length: n }, () => rng.int(50)); // many duplicates
  const heap = new BinaryHeap<number>((a, b) => a < b);
  for (const v of values) heap.push(v);
  expect(heap.size).toBe(n);
  const out: number[] = [];
  for (let v = heap.pop(); v !== undefined; v = heap.pop()) out.push(v);
  expect(out).toEqual([...values].sort((a, b) => a - b));
  expect(heap.size).toBe(0);
});
