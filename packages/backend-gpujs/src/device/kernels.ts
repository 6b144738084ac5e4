// Every kernel the gpu.js GPU modes serve on device arrays, by registry name: one map per kernel family.
import { ADAMW_KERNELS } from './kernels/adamw.js';
import { ADAMW8BIT_KERNELS } from './kernels/adamw8bit.js';
import type { DeviceKernels } from './kernels/common.js';
import { COPY_KERNELS } from './kernels/copy.js';
import { EMBEDDING_KERNELS } from './kernels/embedding.js';
import { GEMM_KERNELS } from './kernels/gemm.js';
import { GRAD_STAT_KERNELS } from './kernels/grad-stats.js';
import { LOSS_KERNELS } from './kernels/loss.js';
import { NF4_KERNELS } from './kernels/nf4.js';
import { NORM_KERNELS } from './kernels/norms.js';
import { POINTWISE_KERNELS } from './kernels/pointwise.js';
import { RANDOM_KERNELS } from './kernels/random.js';
import { ROW_KERNELS } from './kernels/rows.js';
import { SGD_KERNELS } from './kernels/sgd.js';

export const DEVICE_KERNELS: DeviceKernels = {
  ...GEMM_KERNELS,
  ...NF4_KERNELS,
  ...ROW_KERNELS,
  ...NORM_KERNELS,
  ...LOSS_KERNELS,
  ...POINTWISE_KERNELS,
  ...RANDOM_KERNELS,
  ...COPY_KERNELS,
  ...EMBEDDING_KERNELS,
  ...GRAD_STAT_KERNELS,
  ...ADAMW_KERNELS,
  ...SGD_KERNELS,
  ...ADAMW8BIT_KERNELS,
};
