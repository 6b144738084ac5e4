import { hostMemory } from '@lora/core';
import { describe, expect, test } from 'vitest';
import { host, hostI32, SlabMemory } from './test-support.test-support.js';
import { buffer, uploadI32, Workspace } from './workspace.js';

const f32 = new Float32Array(1);
const f64Like = new Float64Array(1);

describe('Workspace', () => {
  test('take reuses a key’s buffer: the same object for the same length, a prefix view when shorter', () => {
    const ws = new Workspace();
    expect(ws.memory).toBe(hostMemory);
    const a = host(ws.take('x', f32, 8));
    a.fill(3);
    expect(ws.take('x', f32, 8)).toBe(a);
    const short = host(ws.take('x', f32, 5));
    expect(short.length).toBe(5);
    expect(short.buffer).toBe(a.buffer);
    expect(ws.take('x', f32, 5)).toBe(short);
    expect(Array.from(short)).toEqual([3, 3, 3, 3, 3]);
    expect(ws.take('y', f32, 8)).not.toBe(a);
  });

  test('a longer request allocates a zeroed buffer from the memory and frees the outgrown one through it', () => {
    const memory = new SlabMemory();
    const ws = new Workspace(memory);
    const a = host(ws.take('x', f32, 4));
    a.fill(1);
    const b = host(ws.take('x', f32, 6));
    expect(memory.allocated).toEqual([a, b]);
    expect(memory.freed).toEqual([a]);
    expect(memory.owns(b)).toBe(true);
    expect(Array.from(b)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  test('zero = true clears a reused buffer; contents otherwise persist', () => {
    const ws = new Workspace();
    host(ws.take('x', f32, 3)).set([1, 2, 3]);
    expect(Array.from(host(ws.take('x', f32, 3)))).toEqual([1, 2, 3]);
    expect(Array.from(host(ws.take('x', f32, 3, true)))).toEqual([0, 0, 0]);
    expect(Array.from(host(ws.take('x', f32, 2, true)))).toEqual([0, 0]);
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

  test('takeI32 hands out reused i32 buffers from the memory, apart from the f32 buffer of the same key', () => {
    const memory = new SlabMemory();
    const ws = new Workspace(memory);
    const i = hostI32(ws.takeI32('x', 4));
    expect(i).toBeInstanceOf(Int32Array);
    expect(memory.owns(i)).toBe(true);
    i.set([1, 2, 3, 4]);
    expect(ws.takeI32('x', 4)).toBe(i);
    expect(Array.from(hostI32(ws.takeI32('x', 2)))).toEqual([1, 2]);
    expect(ws.take('x', f32, 4)).not.toBe(i);
    expect(memory.allocated).toHaveLength(2);
  });

  test('upload: the host memory keeps the data itself; a device memory writes it into the key’s reused buffer', () => {
    const data = Int32Array.from([5, 6, 7]);
    expect(new Workspace().upload('ids', data)).toBe(data);
    const device = new SlabMemory(false);
    const ws = new Workspace(device);
    const a = hostI32(ws.upload('ids', data));
    expect(a).not.toBe(data);
    expect(device.owns(a)).toBe(true);
    expect(Array.from(a)).toEqual([5, 6, 7]);
    const b = hostI32(ws.upload('ids', Int32Array.from([8, 9, 10])));
    expect(b).toBe(a);
    expect(Array.from(a)).toEqual([8, 9, 10]);
    expect(device.allocated).toHaveLength(1);
    expect(device.writes).toBe(2);
    expect(Array.from(hostI32(ws.scope('layers.0').upload('ids', Int32Array.from([1]))))).toEqual([1]); // own key
    expect(Array.from(a)).toEqual([8, 9, 10]);
  });

  test('a Float64Array like gets its own heap Float64Array, which clear does not return to the memory', () => {
    const memory = new SlabMemory();
    const ws = new Workspace(memory);
    const a = ws.take('x', f32, 4);
    const i = ws.takeI32('x', 4);
    const d = ws.take('x', f64Like, 4);
    expect(d).toBeInstanceOf(Float64Array);
    expect(memory.owns(d)).toBe(false);
    expect(memory.allocated).toEqual([a, i]);
    ws.scope('layers.0').take('y', f32, 2);
    ws.clear();
    expect(memory.freed).toHaveLength(3);
    expect(memory.freed).toContain(a);
    expect(memory.freed).toContain(i);
    expect(memory.freed).not.toContain(d);
    expect(ws.take('x', f32, 4)).not.toBe(a);
  });

  test('changing the root memory sends later allocations of every scope there; old buffers go back to theirs', () => {
    const first = new SlabMemory();
    const second = new SlabMemory();
    const ws = new Workspace(first);
    const scope = ws.scope('layers.0');
    const a = scope.take('x', f32, 4);
    ws.clear();
    ws.memory = second;
    const b = scope.take('x', f32, 4);
    const t = scope.temp.take('t', f32, 4);
    expect(first.freed).toEqual([a]);
    expect(second.owns(b) && second.owns(t)).toBe(true);
    ws.clear();
    expect(second.freed).toEqual([b, t]);
  });

  test('buffer() and uploadI32() without a workspace allocate in the memory of their `like`', () => {
    const like = new Float64Array(1) as unknown as Float32Array;
    const a = buffer(undefined, 'x', like, 3);
    expect(a).toBeInstanceOf(Float64Array);
    expect(buffer(undefined, 'x', like, 3)).not.toBe(a);
    const ws = new Workspace();
    expect(buffer(ws, 'x', f32, 3)).toBe(buffer(ws, 'x', f32, 3));
    const data = Int32Array.from([1, 2]);
    expect(uploadI32(undefined, 'ids', f32, data)).toBe(data); // the host memory keeps the data
    expect(uploadI32(ws, 'ids', f32, data)).toBe(data);
  });
});
