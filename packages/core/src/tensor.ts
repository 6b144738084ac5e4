// A strided view over a Float32Array (shape, strides, offset), like torch.Tensor views: reshape/transpose/slice never copy.

/** A shape, stride or index that does not fit a tensor. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

const show = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new ShapeError(`tensor shape: expected non-negative integer dims, got ${show(shape)}`);
    size *= d;
  }
  return size;
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d]!;
  }
  return strides;
}

/** A strided float32 tensor: a view (shape, strides, offset) of a `Float32Array`, row-major by default. */
export class Tensor {
  readonly size: number;

  constructor(
    readonly data: Float32Array,
    readonly shape: readonly number[],
    readonly strides: readonly number[] = rowMajorStrides(shape),
    readonly offset = 0,
  ) {
    this.size = sizeOf(shape);
    if (strides.length !== shape.length) {
      throw new ShapeError(
        `Tensor: expected ${shape.length} strides for shape ${show(shape)}, got ${show(strides)}`,
      );
    }
    let last = offset; // furthest element the view can reach
    for (let i = 0; i < shape.length; i++) last += shape[i]! > 0 ? (shape[i]! - 1) * strides[i]! : 0;
    if (this.size > 0 && (offset < 0 || last >= data.length)) {
      throw new ShapeError(
        `Tensor: view ${show(shape)} at offset ${offset} expected within ${data.length} elements, reaches ${last}`,
      );
    }
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Row-major with no gaps (a contiguous view may still start at an offset). */
  isContiguous(): boolean {
    const expected = rowMajorStrides(this.shape);
    return this.shape.every((d, i) => d === 1 || this.strides[i] === expected[i]);
  }

  /** This view when contiguous, else a row-major copy. */
  contiguous(): Tensor {
    return this.isContiguous() ? this : new Tensor(Float32Array.from(this.toArray()), this.shape);
  }

  /** The elements in row-major order: a subarray view when contiguous, else a copy — what kernels take. */
  values(): Float32Array {
    const t = this.contiguous();
    return t.data.subarray(t.offset, t.offset + t.size);
  }

  /** Same elements, new shape (one dim may be -1); a view, so the tensor must be contiguous. */
  reshape(...shape: number[]): Tensor {
    const free = shape.indexOf(-1);
    if (free >= 0) {
      const known = shape.reduce((p, d, i) => (i === free ? p : p * d), 1);
      shape[free] = known > 0 ? this.size / known : 0;
    }
    if (!shape.every((d) => Number.isInteger(d) && d >= 0) || sizeOf(shape) !== this.size) {
      throw new ShapeError(
        `reshape: expected a shape of ${this.size} elements (from ${show(this.shape)}), got ${show(shape)}`,
      );
    }
    if (!this.isContiguous()) {
      throw new ShapeError(
        `reshape: expected a contiguous tensor, got strides ${show(this.strides)} for ${show(this.shape)}; call contiguous() first`,
      );
    }
    return new Tensor(this.data, shape, rowMajorStrides(shape), this.offset);
  }

  /** Reorders dims: result dim i is this dim dims[i]. */
  permute(...dims: number[]): Tensor {
    const axes = dims.map((d) => this.axis(d, 'permute'));
    if (axes.length !== this.ndim || new Set(axes).size !== this.ndim) {
      throw new ShapeError(`permute: expected a permutation of ${this.ndim} dims, got ${show(dims)}`);
    }
    return new Tensor(
      this.data,
      axes.map((a) => this.shape[a]!),
      axes.map((a) => this.strides[a]!),
      this.offset,
    );
  }

  /** Swaps two dims (the last two by default). */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    const order = this.shape.map((_, i) => i);
    const a = this.axis(dim0, 'transpose');
    const b = this.axis(dim1, 'transpose');
    [order[a], order[b]] = [b, a];
    return this.permute(...order);
  }

  /** Elements start ≤ i < end along `dim` (a view). */
  slice(dim: number, start: number, end = this.shape[this.axis(dim, 'slice')]!): Tensor {
    const axis = this.axis(dim, 'slice');
    const extent = this.shape[axis]!;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > extent) {
      throw new ShapeError(
        `slice: expected 0 <= start <= end <= ${extent} on dim ${axis} of ${show(this.shape)}, got [${start}, ${end})`,
      );
    }
    const shape = this.shape.slice();
    shape[axis] = end - start;
    return new Tensor(this.data, shape, this.strides, this.offset + start * this.strides[axis]!);
  }

  /** The element at a full index. */
  at(...index: number[]): number {
    if (
      index.length !== this.ndim ||
      index.some((v, i) => !Number.isInteger(v) || v < 0 || v >= this.shape[i]!)
    ) {
      throw new ShapeError(`at: expected an index within ${show(this.shape)}, got ${show(index)}`);
    }
    return this.data[index.reduce((o, v, i) => o + v * this.strides[i]!, this.offset)]!;
  }

  /** All elements, row-major, as plain numbers. */
  toArray(): number[] {
    const out = new Array<number>(this.size);
    if (this.size === 0) return out;
    const index = new Array<number>(this.ndim).fill(0);
    let pos = this.offset;
    for (let n = 0; n < this.size; n++) {
      out[n] = this.data[pos]!;
      for (let d = this.ndim - 1; d >= 0; d--) {
        // odometer step over the last dim first
        if (++index[d]! < this.shape[d]!) {
          pos += this.strides[d]!;
          break;
        }
        pos -= (this.shape[d]! - 1) * this.strides[d]!;
        index[d] = 0;
      }
    }
    return out;
  }

  private axis(dim: number, op: string): number {
    const axis = dim < 0 ? dim + this.ndim : dim;
    if (!Number.isInteger(axis) || axis < 0 || axis >= this.ndim) {
      throw new ShapeError(
        `${op}: expected a dim in [-${this.ndim}, ${this.ndim}), got ${dim} for ${show(this.shape)}`,
      );
    }
    return axis;
  }
}

/** A new row-major tensor of `shape`, filled with zeros. */
export function zeros(shape: readonly number[]): Tensor {
  return new Tensor(new Float32Array(sizeOf(shape)), shape.slice());
}

/** A new contiguous tensor holding a copy of `values` (shape defaults to [values.length]). */
export function fromArray(values: ArrayLike<number>, shape: readonly number[] = [values.length]): Tensor {
  if (sizeOf(shape) !== values.length) {
    throw new ShapeError(
      `fromArray: expected ${sizeOf(shape)} values for shape ${show(shape)}, got ${values.length}`,
    );
  }
  return new Tensor(Float32Array.from(values), shape.slice());
}
