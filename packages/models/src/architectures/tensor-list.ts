// Building an architecture's TensorSpec list in state-dict order: embeddings, norms (with LayerNorm's bias), linears
// stored (out, in) or as transformers Conv1D [in, out], with their biases.
import type { TensorSpec } from './spec.js';

export class TensorList {
  readonly specs: TensorSpec[] = [];

  /** a (rows, C) table: the token embedding, learned positions or an untied lm_head */
  table(name: string, role: 'embedding' | 'positions' | 'lm_head', rows: number, C: number): void {
    this.specs.push({ name, shape: [rows, C], role, kind: 'weight' });
  }

  /** a norm over C channels: `${prefix}.weight`, and `${prefix}.bias` with `bias` (LayerNorm) */
  norm(prefix: string, C: number, bias: boolean): void {
    this.specs.push({ name: `${prefix}.weight`, shape: [C], role: 'norm', kind: 'weight' });
    if (bias) this.specs.push({ name: `${prefix}.bias`, shape: [C], role: 'norm', kind: 'bias' });
  }

  /** a linear inF → outF: weight (out, in), or [in, out] with `conv1d`; bias (out) when `bias` */
  linear(module: string, inF: number, outF: number, bias: boolean, conv1d = false): void {
    this.specs.push({
      name: `${module}.weight`,
      shape: conv1d ? [inF, outF] : [outF, inF],
      role: 'linear',
      module,
      kind: 'weight',
      conv1d,
    });
    if (bias)
      this.specs.push({ name: `${module}.bias`, shape: [outF], role: 'linear', module, kind: 'bias' });
  }
}
