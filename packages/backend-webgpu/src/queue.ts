// Records kernels into one command encoder and submits them in batches (tfjs-backend-webgpu's command queue): the
// uniforms of a batch are packed into one buffer at 256-byte steps (dynamic offsets), written once at submit.
// Queue order keeps this safe: the write for batch n+1 runs after batch n's commands on the GPU.
import { BUFFER_COPY_DST, BUFFER_UNIFORM } from './usage.js';

/** Bytes between two dispatches' uniforms: WebGPU's minUniformBufferOffsetAlignment on every adapter. */
export const UNIFORM_STRIDE = 256;
/** Dispatches per batch before an automatic submit. */
const BATCH = 1024;

export class GpuQueue {
  readonly uniformBuffer: GPUBuffer;
  #encoder: GPUCommandEncoder | undefined;
  #pass: GPUComputePassEncoder | undefined;
  readonly #uniforms = new Uint8Array(BATCH * UNIFORM_STRIDE);
  #slots = 0;
  #pendingDestroy: GPUBuffer[] = [];
  /** dispatches recorded since the queue was created */
  dispatches = 0;

  constructor(readonly device: GPUDevice) {
    this.uniformBuffer = device.createBuffer({
      size: BATCH * UNIFORM_STRIDE,
      usage: BUFFER_UNIFORM | BUFFER_COPY_DST,
    });
  }

  #encoderNow(): GPUCommandEncoder {
    this.#encoder ??= this.device.createCommandEncoder();
    return this.#encoder;
  }

  /**
   * Records one dispatch: `uniforms` (≤ 256 bytes) go to the next slot of the uniform buffer, whose dynamic offset
   * the bind group's last binding takes.
   */
  dispatch(
    pipeline: GPUComputePipeline,
    bindGroup: GPUBindGroup,
    uniforms: Uint8Array,
    workgroups: readonly [number, number, number],
  ): void {
    if (this.#slots === BATCH) this.flush();
    const slot = this.#slots++;
    this.#uniforms.set(uniforms, slot * UNIFORM_STRIDE);
    this.#pass ??= this.#encoderNow().beginComputePass();
    this.#pass.setPipeline(pipeline);
    this.#pass.setBindGroup(0, bindGroup, [slot * UNIFORM_STRIDE]);
    this.#pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    this.dispatches++;
  }

  /** Records a buffer-to-buffer copy (outside any compute pass). Offsets and size are multiples of 4. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): void {
    this.#pass?.end();
    this.#pass = undefined;
    this.#encoderNow().copyBufferToBuffer(src, srcOffset, dst, dstOffset, size);
  }

  /** Destroys `buffer` once the commands recorded so far are submitted (they may still use it). */
  destroyLater(buffer: GPUBuffer): void {
    if (!this.#encoder) buffer.destroy();
    else this.#pendingDestroy.push(buffer);
  }

  /** Submits everything recorded so far. */
  flush(): void {
    if (!this.#encoder) return;
    this.#pass?.end();
    this.#pass = undefined;
    if (this.#slots > 0) this.device.queue.writeBuffer(this.uniformBuffer, 0, this.#uniforms, 0, this.#slots * UNIFORM_STRIDE);
    this.device.queue.submit([this.#encoder.finish()]);
    this.#encoder = undefined;
    this.#slots = 0;
    for (const b of this.#pendingDestroy) b.destroy();
    this.#pendingDestroy = [];
  }
}
