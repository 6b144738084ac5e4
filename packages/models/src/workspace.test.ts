import { describe, expect, test } from 'vitest';
import { type ArrayMemory, buffer, Workspace } from './workspace.js';

/** A memory carving arrays out of one slab, recording what it hands out and takes back. */
function slabMemory(elements = 1 << 12) {
  const slab = new ArrayBuffer(elements * 4);
  let next = 0;
  const allocated: Float32Array[] = [];
  const freed: Float32Array[] = [];
  const memory: ArrayMemory = {
    allocate: (n) => {
      const a = new Float32Array(slab, next * 4, n);
      next += n;
      allocated.push(a);
      return a;
    },
    free: (a) => {
      freed.push(a);
    },
  };
  return { slab, memory, allocated, freed };
}

const f32 = new Float32Array(1);

describe('Workspace', () => {
  test('take reuses a key’s buffer: the same object for the same length, a prefix view when shorter', () => {
    const ws = new Workspace();
    const a = ws.take('x', f32, 8);
    a.fill(3);
    expect(ws.take('x', f32, 8)).toBe(a);
    const short = ws.take('x', f32, 5);
    expect(short.length).toBe(5);
    expect(short.buffer).toBe(a.buffer);
    expect(ws.take('x', f32, 5)).toBe(short);
    expect(Array.from(short)).toEqual([3, 3, 3, 3, 3]);
    expect(ws.take('y', f32, 8)).not.toBe(a);
  });

  test('a longer request replaces the buffer (zeroed) and returns the outgrown one to memory.free', () => {
    const { memory, allocated, freed } = slabMemory();
    const ws = new Workspace(memory);
    const a = ws.take('x', f32, 4);
    a.fill(1);
    const b = ws.take('x', f32, 6);
    expect(allocated).toEqual([a, b]);
    expect(freed).toEqual([a]);
    expect(Array.from(b)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('zero = true clears a reused buffer; contents otherwise persist', () => {
    const ws = new Workspace();
    ws.take('x', f32, 3).set([1, 2, 3]);
    expect(Array.from(ws.take('x', f32, 3))).toEqual([1, 2, 3]);
    expect(Array.from(ws.take('x', f32, 3, true))).toEqual([0, 0, 0]);
  });

  test('scopes prefix keys and share one root; temp is one workspace for every scope', () => {
    const ws = new Workspace();
    const l0 = ws.scope('layers.0');
    expect(ws.scope('layers.0')).toBe(l0);
    expect(l0.take('out', f32, 4)).not.toBe(ws.scope('layers.1').take('out', f32, 4));
    expect(l0.scope('mlp').take('out', f32, 4)).not.toBe(l0.take('out', f32, 4));
    expect(l0.temp).toBe(ws.temp);
    expect(l0.scope('mlp').temp).toBe(ws.temp);
    expect(ws.temp.temp).toBe(ws.temp);
    expect(l0.temp.scope('mlp').take('dh', f32, 4)).toBe(
      ws.scope('layers.1').temp.scope('mlp').take('dh', f32, 4),
    );
  });

  test('arrays from memory.allocate for Float32Array; a Float64Array like gets its own Float64Array buffer', () => {
    const { slab, memory, allocated, freed } = slabMemory();
    const ws = new Workspace(memory);
    const a = ws.take('x', f32, 4);
    expect(a.buffer).toBe(slab);
    const d = ws.take('x', new Float64Array(1) as unknown as Float32Array, 4);
    expect(d).toBeInstanceOf(Float64Array);
    expect(d).not.toBe(a);
    expect(allocated).toEqual([a]);
    ws.clear();
    expect(freed).toEqual([a]);
    expect(ws.take('x', f32, 4)).not.toBe(a);
  });

  test('buffer() without a workspace allocates a fresh zeroed array like its input', () => {
    const like = new Float64Array(1) as unknown as Float32Array;
    const a = buffer(undefined, 'x', like, 3);
    expect(a).toBeInstanceOf(Float64Array);
    expect(buffer(undefined, 'x', like, 3)).not.toBe(a);
    const ws = new Workspace();
    expect(buffer(ws, 'x', f32, 3)).toBe(buffer(ws, 'x', f32, 3));
  });
});
