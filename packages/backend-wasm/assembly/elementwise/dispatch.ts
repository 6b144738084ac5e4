// runThread: the one entry point the worker threads call; it switches on the job's JOB_KIND word.
import { gemmThread } from '../gemm';
import { JOB_KIND, JOB_KIND_GEMM, jobI32 } from '../job';
import { unaryBackwardThread, unaryThread } from './activations';
import { adamwThread } from './adamw';
import { adamw8bitThread } from './adamw8bit';
import { addBiasThread, axpyThread, binaryThread, columnSumsThread, scaleThread } from './arith';
import { causalSoftmaxThread } from './causal-softmax';
import { crossEntropyBackwardThread, crossEntropyThread } from './cross-entropy';
import { dequantizeAbsmaxThread } from './dequantize-absmax';
import { embeddingBackwardThread, embeddingThread } from './embedding';
import { fillThread, stridedCopyThread } from './fill-copy';
import { gradStatThread } from './grad-stats';
import {
  EW_ADAMW,
  EW_ADAMW8BIT,
  EW_ADD,
  EW_ADD_BIAS,
  EW_ARGMAX_CHUNK,
  EW_AXPY,
  EW_CAUSAL_SOFTMAX,
  EW_COLUMN_SUMS,
  EW_COUNT_NON_FINITE,
  EW_CROSS_ENTROPY,
  EW_CROSS_ENTROPY_BACKWARD,
  EW_CROSS_ENTROPY_STATS,
  EW_DEQUANTIZE_ABSMAX,
  EW_DROPOUT,
  EW_EMBEDDING,
  EW_EMBEDDING_BACKWARD,
  EW_FILL,
  EW_GELU_TANH,
  EW_GELU_TANH_BACKWARD,
  EW_LAYERNORM,
  EW_LAYERNORM_BACKWARD,
  EW_MATH,
  EW_MUL,
  EW_QUANTIZE_4BIT,
  EW_RMSNORM,
  EW_RMSNORM_BACKWARD,
  EW_ROPE,
  EW_SCALE,
  EW_SGD,
  EW_SILU,
  EW_SILU_BACKWARD,
  EW_SOFTCAP,
  EW_SOFTCAP_BACKWARD,
  EW_SOFTMAX,
  EW_SOFTMAX_BACKWARD,
  EW_STRIDED_COPY,
  EW_SUM_SQUARES,
  EW_UNIFORM_NOISE,
} from './kinds';
import { layernormBackwardThread, layernormThread } from './layernorm';
import { argmaxChunkThread, crossEntropyStatsThread } from './loss-stats';
import { mathThread } from './math';
import { quantize4bitThread } from './quantize-4bit';
import { dropoutThread, uniformNoiseThread } from './random';
import { rmsnormBackwardThread, rmsnormThread } from './rmsnorm';
import { ropeThread } from './rope';
import { sgdThread } from './sgd';
import { softcapBackwardThread, softcapThread } from './softcap';
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
    case EW_SOFTCAP:
      softcapThread(job, tid, nthreads);
      break;
    case EW_SOFTCAP_BACKWARD:
      softcapBackwardThread(job, tid, nthreads);
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
    case EW_FILL:
      fillThread(job, tid, nthreads);
      break;
    case EW_STRIDED_COPY:
      stridedCopyThread(job, tid, nthreads);
      break;
    case EW_ADD:
      binaryThread(job, tid, nthreads, false);
      break;
    case EW_MUL:
      binaryThread(job, tid, nthreads, true);
      break;
    case EW_AXPY:
      axpyThread(job, tid, nthreads);
      break;
    case EW_SCALE:
      scaleThread(job, tid, nthreads);
      break;
    case EW_ADD_BIAS:
      addBiasThread(job, tid, nthreads);
      break;
    case EW_COLUMN_SUMS:
      columnSumsThread(job, tid, nthreads);
      break;
    case EW_DROPOUT:
      dropoutThread(job, tid, nthreads);
      break;
    case EW_UNIFORM_NOISE:
      uniformNoiseThread(job, tid, nthreads);
      break;
    case EW_CAUSAL_SOFTMAX:
      causalSoftmaxThread(job, tid, nthreads);
      break;
    case EW_ARGMAX_CHUNK:
      argmaxChunkThread(job, tid, nthreads);
      break;
    case EW_CROSS_ENTROPY_STATS:
      crossEntropyStatsThread(job, tid, nthreads);
      break;
    case EW_SUM_SQUARES:
      gradStatThread(job, tid, nthreads, false);
      break;
    case EW_COUNT_NON_FINITE:
      gradStatThread(job, tid, nthreads, true);
      break;
    case EW_DEQUANTIZE_ABSMAX:
      dequantizeAbsmaxThread(job, tid, nthreads);
      break;
    case EW_SGD:
      sgdThread(job, tid, nthreads);
      break;
    case EW_ADAMW8BIT:
      adamw8bitThread(job, tid, nthreads);
      break;
    case EW_QUANTIZE_4BIT:
      quantize4bitThread(job, tid, nthreads);
      break;
    default:
      unreachable();
  }
  return 0;
}
