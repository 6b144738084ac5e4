export type { ChildOptions, ChildOutcome } from './child-json.js';
export { BenchOutputError, lastJsonLine, runChild } from './child-json.js';
export type { DecodeBenchOptions } from './decode-bench.js';
export { runDecodeBench } from './decode-bench.js';
export type { DecodeCase, DecodeShapeName } from './decode-cases.js';
export {
  DECODE_SHAPES,
  DEFAULT_DECODE_LAYERS,
  decodeCase,
  parseDecodeShapes,
  QUICK_DECODE_SHAPES,
  sourcedConfig,
  withLayers,
} from './decode-cases.js';
export type {
  DecodeBenchRecord,
  DecodeMeasurement,
  DecodeShapeResult,
  LoraDecodeOutcome,
  TorchDecodeRun,
} from './decode-table.js';
export { bestTorch, decodeTable, shapeLabel } from './decode-table.js';
export type { GemmBenchOptions, GemmResult } from './gemm-bench.js';
export { relativeError, runGemmBench } from './gemm-bench.js';
export type { GemmCase } from './gemm-cases.js';
export { flopsOf, GEMM_CASES } from './gemm-cases.js';
export { baselineLines, gemmTable, MISMATCH_REL_ERR } from './gemm-table.js';
export type {
  LoraStepModelOptions,
  StepTiming,
  TorchLoraStepOptions,
  TorchLoraStepRun,
} from './lora-step.js';
export {
  bestOf,
  LORA_STEP_RANK,
  loraStepModel,
  loraStepRunner,
  parseTorchLoraStep,
  QWEN25_05B_LLAMA_OVERRIDES,
  SMALL_LLAMA_OVERRIDES,
  SMALL_MODEL_OVERRIDES,
  TORCH_LORA_STEP_SCRIPT,
  torchLoraStep,
  torchLoraStepArgs,
} from './lora-step.js';
export type {
  LoraStepBenchOptions,
  LoraStepBenchRecord,
  LoraStepCase,
  LoraStepCaseName,
  LoraStepCaseResult,
  StepOutcome,
  StepRun,
} from './lora-step-bench.js';
export {
  isStepRun,
  loraStepCases,
  loraStepTable,
  runLoraStepBench,
  summarizeStepCase,
  TORCH_STEP_THREADS,
} from './lora-step-bench.js';
export type { MachineInfo } from './machine.js';
export { machineInfo } from './machine.js';
export type { Clock, Measurement, MeasureOptions } from './measure.js';
export { measure, median } from './measure.js';
export type { ModelTarget, NotRun, TargetId, TargetInputs } from './model-targets.js';
export {
  modelTargets,
  modelTargetsLines,
  NF4_DECODE_TARGET,
  PEAK_RSS_LIMIT_BYTES,
  PLAN_TOLERANCE,
  STEP_TARGETS,
} from './model-targets.js';
export type {
  InstructionMix,
  NativeCeilingOptions,
  NativeCeilingOutcome,
  NativeCeilingResult,
  NativeCeilingRun,
} from './native-ceiling.js';
export {
  isNativeRun,
  NATIVE_FLAGS,
  NATIVE_SOURCE,
  nativeCeiling,
  parseNativeOutput,
  runNativeCeiling,
} from './native-ceiling.js';
export type { Nf4Case, Nf4Result } from './nf4-bench.js';
export { dequantizeInto, NF4_CASES, runNf4Bench, runNf4BenchMain } from './nf4-bench.js';
export type { PeakRssRun, PeakRssRunOptions } from './peak-rss-run.js';
export {
  measurePeakRss,
  PeakRssRunError,
  parseTimeOutput,
  qloraRunSettings,
  REPO_ROOT,
  trainArgs,
  trainRuntimeOf,
} from './peak-rss-run.js';
export type { QloraMemoryBenchOptions, QloraMemoryOutcome, QloraMemoryResult } from './qlora-memory-bench.js';
export {
  memoryFixtures,
  memoryRowWanted,
  planAgainst,
  QLORA_MEMORY_CASE,
  qloraMemoryLines,
  runQloraMemoryBench,
  sharedFixtureDirs,
} from './qlora-memory-bench.js';
export type { BenchBackendEntry, CreateRunnersOptions, GemmRunner, Operands, RunnerSet } from './runners.js';
export { BENCH_BACKENDS, createRunners } from './runners.js';
export { formatTable } from './table.js';
export type { Baselines, CheckGroup, TargetCheck } from './targets.js';
export {
  bestWasmTable,
  ISSUE_HOST_TORCH_1T,
  TRANSPOSED_FLOOR,
  targetChecks,
  targetPreamble,
  targetSummary,
  WASM_TARGETS,
} from './targets.js';
export type { BaselineCaseResult, TorchGemmOptions, TorchGemmOutcome, TorchGemmRun } from './torch-gemm.js';
export {
  isTorchRun,
  parseTorchGemmOutput,
  runTorchGemm,
  TORCH_GEMM_SCRIPT,
  torchGemmArgs,
} from './torch-gemm.js';
