// A WGSL kernel and how it is run. A program declares its array arguments (type, written or not, vec4 or not) and
// its scalar uniforms; each call binds every distinct GPU buffer once (views of one buffer share a binding, so an
// output may alias an input) and generates typed accessors — ld_x(i), st_x(i, v), ld4_x(i4) — that add the view's
// offset (u8 arrays: ld_x(i), and whole words ldw_x(w), stw_x(w, v)). Pipelines are cached by program and binding
// pattern, not by shape: shapes are uniforms.
import type { DeviceArray } from '@lora/core';
import type { GpuArray } from './arrays.js';
import { WebGpuError } from './gpu-device.js';
import type { WebGpuMemory } from './memory.js';
import { UNIFORM_STRIDE } from './queue.js';
import { SHADER_STAGE_COMPUTE } from './usage.js';

export type ArrayType = 'f32' | 'i32' | 'u8';
export type UniformType = 'u32' | 'i32' | 'f32';

export interface ArraySpec {
  name: string;
  type: ArrayType;
  /** the kernel stores into it */
  write?: boolean;
  /** the kernel reads it as vec4 (ld4_/st4_): the view's offset must be a multiple of 4 */
  vec4?: boolean;
  /** may be absent in a call (its accessors then must not run; bind a 4-byte dummy) */
  optional?: boolean;
}

export interface ProgramSpec {
  /** unique per distinct WGSL body, e.g. "fill" or "matmul:NT:tile64" */
  key: string;
  arrays: readonly ArraySpec[];
  uniforms: readonly { name: string; type: UniformType }[];
  /** WGSL after the generated header (bindings, Params `p`, accessors, WG_* constants): helpers and `fn main` */
  body: string;
}

interface Binding {
  index: number;
  array: GpuArray;
  write: boolean;
  vec4: boolean;
  type: ArrayType;
}

interface Plan {
  /** binding index of each array spec (−1 = absent) */
  slots: number[];
  bindings: Binding[];
  key: string;
}

const wgslType = (t: ArrayType) => (t === 'u8' ? 'u32' : t);

function accessors(spec: ArraySpec, b: Binding): string {
  const buf = `b${b.index}`;
  const n = spec.name;
  const off = `p.${n}_off`;
  const lines: string[] = [];
  if (spec.type === 'u8') {
    lines.push(
      `fn ld_${n}(i: u32) -> u32 { let j = ${off} + i; return (${buf}[j >> 2u] >> ((j & 3u) * 8u)) & 0xffu; }`,
      // bytes 4w … 4w + 3 of the view as one little-endian word: valid when the view's offset is a multiple of 4
      `fn ldw_${n}(w: u32) -> u32 { return ${buf}[(${off} >> 2u) + w]; }`,
    );
    // a written u8 array is stored a word at a time (WGSL has no byte stores): same alignment as ldw_
    if (spec.write) lines.push(`fn stw_${n}(w: u32, v: u32) { ${buf}[(${off} >> 2u) + w] = v; }`);
    return lines.join('\n');
  }
  const t = wgslType(spec.type);
  if (b.vec4) {
    lines.push(`fn ld_${n}(i: u32) -> ${t} { let j = ${off} + i; return ${buf}[j >> 2u][j & 3u]; }`);
    lines.push(`fn ld4_${n}(i: u32) -> vec4<${t}> { return ${buf}[(${off} >> 2u) + i]; }`);
    if (spec.write) {
      lines.push(`fn st_${n}(i: u32, v: ${t}) { let j = ${off} + i; ${buf}[j >> 2u][j & 3u] = v; }`);
      lines.push(`fn st4_${n}(i: u32, v: vec4<${t}>) { ${buf}[(${off} >> 2u) + i] = v; }`);
    }
  } else {
    lines.push(`fn ld_${n}(i: u32) -> ${t} { return ${buf}[${off} + i]; }`);
    if (spec.write) lines.push(`fn st_${n}(i: u32, v: ${t}) { ${buf}[${off} + i] = v; }`);
  }
  return lines.join('\n');
}

/** Accessors of an absent optional array: reads give 0, stores do nothing (the body must not rely on them). */
function stubAccessors(spec: ArraySpec): string {
  const t = wgslType(spec.type);
  const lines = [`fn ld_${spec.name}(i: u32) -> ${t} { return ${t}(0); }`];
  if (spec.type === 'u8') lines.push(`fn ldw_${spec.name}(w: u32) -> u32 { return 0u; }`);
  if (spec.type === 'u8' && spec.write) lines.push(`fn stw_${spec.name}(w: u32, v: u32) { }`);
  if (spec.vec4) lines.push(`fn ld4_${spec.name}(i: u32) -> vec4<${t}> { return vec4<${t}>(0); }`);
  if (spec.write) lines.push(`fn st_${spec.name}(i: u32, v: ${t}) { }`);
  if (spec.write && spec.vec4) lines.push(`fn st4_${spec.name}(i: u32, v: vec4<${t}>) { }`);
  return lines.join('\n');
}

/** Everything before the program's body: bindings, the Params struct, accessors. */
function header(spec: ProgramSpec, plan: Plan): string {
  const decls = plan.bindings.map((b) => {
    const element = b.type === 'u8' ? 'u32' : b.vec4 ? `vec4<${b.type}>` : b.type;
    const access = b.write ? 'read_write' : 'read';
    return `@group(0) @binding(${b.index}) var<storage, ${access}> b${b.index}: array<${element}>;`;
  });
  const fields = [
    ...spec.arrays.map((a) => `  ${a.name}_off: u32,`),
    ...spec.uniforms.map((u) => `  ${u.name}: ${u.type},`),
  ];
  if (fields.length === 0) fields.push('  unused_: u32,');
  const access = spec.arrays.map((a, i) =>
    plan.slots[i]! >= 0 ? accessors(a, plan.bindings[plan.slots[i]!]!) : stubAccessors(a),
  );
  return [
    ...decls,
    `struct Params {\n${fields.join('\n')}\n}`,
    `@group(0) @binding(${plan.bindings.length}) var<uniform> p: Params;`,
    ...access,
    '',
  ].join('\n');
}

/** The parts of a pipeline a call fixes: which arguments share a buffer, which are read as vec4, which are absent. */
function planFor(
  spec: ProgramSpec,
  arrays: Record<string, DeviceArray | undefined>,
  memory: WebGpuMemory,
): Plan {
  const bindings: Binding[] = [];
  const byRecord = new Map<number, Binding>();
  const slots = spec.arrays.map((a) => {
    const value = arrays[a.name];
    if (value === undefined) {
      if (!a.optional)
        throw new WebGpuError(`webgpu ${spec.key}: ${a.name} expected an array, got undefined`);
      return -1;
    }
    const array = memory.own(value, spec.key.split(':')[0]!, a.name);
    const want = a.type;
    if (array.dtype !== want)
      throw new WebGpuError(
        `webgpu ${spec.key}: ${a.name} expected a ${want} array, got a ${array.dtype} one`,
      );
    if (a.vec4 && array.offset % 4 !== 0)
      throw new WebGpuError(
        `webgpu ${spec.key}: ${a.name} is read as vec4 and expected an offset that is a multiple of 4, got ${array.offset}`,
      );
    let b = byRecord.get(array.record.id);
    if (!b) {
      b = { index: bindings.length, array, write: false, vec4: false, type: a.type };
      bindings.push(b);
      byRecord.set(array.record.id, b);
    }
    b.write ||= a.write ?? false;
    b.vec4 ||= a.vec4 ?? false;
    return b.index;
  });
  for (const b of bindings) {
    if (b.vec4 && b.type === 'u8')
      throw new WebGpuError(`webgpu ${spec.key}: u8 arrays cannot be read as vec4`);
  }
  const key = `${spec.key}|${slots.join(',')}|${bindings.map((b) => `${b.write ? 'w' : 'r'}${b.vec4 ? '4' : ''}`).join(',')}`;
  return { slots, bindings, key };
}

/** Compiled pipelines and bind groups of one device. */
export class ProgramCache {
  readonly #pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  readonly #groups = new Map<string, GPUBindGroup>();
  /** WGSL compile errors, reported at the next read */
  readonly errors: string[] = [];

  constructor(
    readonly device: GPUDevice,
    readonly memory: WebGpuMemory,
  ) {}

  #pipeline(spec: ProgramSpec, plan: Plan) {
    let entry = this.#pipelines.get(plan.key);
    if (entry) return entry;
    const code = header(spec, plan) + spec.body;
    const module = this.device.createShaderModule({ code, label: spec.key });
    module.getCompilationInfo?.().then((info) => {
      for (const m of info.messages)
        if (m.type === 'error') this.errors.push(`${spec.key}: WGSL line ${m.lineNum}: ${m.message}`);
    });
    const layout = this.device.createBindGroupLayout({
      entries: [
        ...plan.bindings.map((b) => ({
          binding: b.index,
          visibility: SHADER_STAGE_COMPUTE,
          buffer: { type: (b.write ? 'storage' : 'read-only-storage') as GPUBufferBindingType },
        })),
        {
          binding: plan.bindings.length,
          visibility: SHADER_STAGE_COMPUTE,
          buffer: { type: 'uniform' as GPUBufferBindingType, hasDynamicOffset: true },
        },
      ],
    });
    const pipeline = this.device.createComputePipeline({
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
      label: spec.key,
    });
    entry = { pipeline, layout };
    this.#pipelines.set(plan.key, entry);
    return entry;
  }

  #bindGroup(plan: Plan, layout: GPUBindGroupLayout): GPUBindGroup {
    const key = `${plan.key}#${plan.bindings.map((b) => b.array.record.id).join(',')}`;
    let group = this.#groups.get(key);
    if (group) return group;
    if (this.#groups.size > 8192) this.#groups.clear(); // freed buffers' groups are never hit again
    group = this.device.createBindGroup({
      layout,
      entries: [
        ...plan.bindings.map((b) => ({ binding: b.index, resource: { buffer: b.array.record.buffer } })),
        {
          binding: plan.bindings.length,
          resource: { buffer: this.memory.queue.uniformBuffer, size: UNIFORM_STRIDE },
        },
      ],
    });
    this.#groups.set(key, group);
    return group;
  }

  /**
   * Records one dispatch of `spec`: arrays by name (absent optional ones undefined), uniforms by name, and the
   * workgroup counts (each ≤ 65535; see groups1d).
   */
  run(
    spec: ProgramSpec,
    arrays: Record<string, DeviceArray | undefined>,
    uniforms: Record<string, number>,
    workgroups: readonly [number, number, number],
  ): void {
    if (workgroups.some((w) => w === 0)) return;
    const plan = planFor(spec, arrays, this.memory);
    const { pipeline, layout } = this.#pipeline(spec, plan);
    const data = new ArrayBuffer(4 * (spec.arrays.length + spec.uniforms.length));
    const view = new DataView(data);
    spec.arrays.forEach((a, i) => {
      const value = arrays[a.name] as GpuArray | undefined;
      view.setUint32(4 * i, value?.offset ?? 0, true);
    });
    spec.uniforms.forEach((u, j) => {
      const value = uniforms[u.name];
      if (value === undefined)
        throw new WebGpuError(`webgpu ${spec.key}: uniform ${u.name} expected a number, got undefined`);
      const at = 4 * (spec.arrays.length + j);
      if (u.type === 'f32') view.setFloat32(at, value, true);
      else if (u.type === 'i32') view.setInt32(at, value, true);
      else view.setUint32(at, value, true);
    });
    this.memory.queue.dispatch(pipeline, this.#bindGroup(plan, layout), new Uint8Array(data), workgroups);
  }
}

/** Workgroup counts covering `items` work items of `size` each: (x, y) with x ≤ 65535; the shader flattens them. */
export function groups1d(items: number, size: number): [number, number, number] {
  const total = Math.ceil(items / size);
  if (total <= 65535) return [total, 1, 1];
  const y = Math.ceil(total / 65535);
  return [Math.ceil(total / y), y, 1];
}

/** WGSL: the flat index of this invocation for a dispatch from groups1d (wg = workgroup size). */
export const FLAT_INDEX = `fn flat_index(wid: vec3u, nwg: vec3u, lid: vec3u, wg: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * wg + lid.x;
}
fn flat_group(wid: vec3u, nwg: vec3u) -> u32 { return wid.y * nwg.x + wid.x; }
`;
