// runThread: the one entry point the worker threads call; it switches on the job's JOB_KIND word.
import { gemmThread } from '../gemm';
import { JOB_KIND, JOB_KIND_GEMM, jobI32 } from '../job';
import { unaryBackwardThread, unaryThread } from './activations';
import { adamwThread } from './adamw';
import { crossEntropyBackwardThread, crossEntropyThread } from './cross-entropy';
import { embeddingBackwardThread, embeddingThread } from './embedding';
import {
  EW_ADAMW,
  EW_CROSS_ENTROPY,
  EW_CROSS_ENTROPY_BACKWARD,
  EW_EMBEDDING,
  EW_EMBEDDING_BACKWARD,
  EW_GELU_TANH,
  EW_GELU_TANH_BACKWARD,
  EW_LAYERNORM,
  EW_LAYERNORM_BACKWARD,
  EW_MATH,
  EW_RMSNORM,
  EW_RMSNORM_BACKWARD,
  EW_ROPE,
  EW_SILU,
  EW_SILU_BACKWARD,
  EW_SOFTMAX,
  EW_SOFTMAX_BACKWARD,
} from './kinds';
import { layernormBackwardThread, layernormThread } from './layernorm';
import { mathThread } from './math';
import { rmsnormBackwardThread, rmsnormThread } from './rmsnorm';
import { ropeThread } from './rope';
import { softmaxBackwardThread, softmaxThread } from './softmax';

/**
 * Thread `tid` of `nthreads` runs its share of the job at `job`. Every kind splits its work so that each output
 * element is computed by one thread in the same order whatever the thread count. Returns what gemmThread returns
 * (panels packed) for a GEMM, 0 otherwise; an unknown kind traps.
 */
export function runThread(job: usize, tid: i32, nthreads: i32): i32 {
  const kind = jobI32(job, JOB_KIND);
  if (kind === JOB_KIND_GEMM) return gemmThread(job, tid, nthreads);
  switch (kind) {
    case EW_SILU:
      unaryThread(job, tid, nthreads, false);
      break;
    case EW_SILU_BACKWARD:
      unaryBackwardThread(job, tid, nthreads, false);
      break;
    case EW_GELU_TANH:
      unaryThread(job, tid, nthreads, true);
      break;
    case EW_GELU_TANH_BACKWARD:
      unaryBackwardThread(job, tid, nthreads, true);
      break;
    case EW_SOFTMAX:
      softmaxThread(job, tid, nthreads);
      break;
    case EW_SOFTMAX_BACKWARD:
      softmaxBackwardThread(job, tid, nthreads);
      break;
    case EW_RMSNORM:
      rmsnormThread(job, tid, nthreads);
      break;
    case EW_RMSNORM_BACKWARD:
      rmsnormBackwardThread(job, tid, nthreads);
      break;
    case EW_CROSS_ENTROPY:
      crossEntropyThread(job, tid, nthreads);
      break;
    case EW_CROSS_ENTROPY_BACKWARD:
      crossEntropyBackwardThread(job, tid, nthreads);
      break;
    case EW_LAYERNORM:
      layernormThread(job, tid, nthreads);
      break;
    case EW_LAYERNORM_BACKWARD:
      layernormBackwardThread(job, tid, nthreads);
      break;
    case EW_ROPE:
      ropeThread(job, tid, nthreads);
      break;
    case EW_EMBEDDING:
      embeddingThread(job, tid, nthreads);
      break;
    case EW_EMBEDDING_BACKWARD:
      embeddingBackwardThread(job, tid, nthreads);
      break;
    case EW_ADAMW:
      adamwThread(job, tid, nthreads);
      break;
    case EW_MATH:
      mathThread(job, tid, nthreads);
      break;
    default:
      unreachable();
  }
  return 0;
}
