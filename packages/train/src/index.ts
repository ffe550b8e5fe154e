export { AdamW, decayedParameters, type AdamWOptions, type AdamWRunOptions, type AdamWState } from './adamw';
export {
  CHECKPOINT_FORMAT,
  CheckpointError,
  checkCheckpointTensors,
  memoryCheckpoints,
  readCheckpoint,
  restoreCheckpoint,
  writeCheckpoint,
  type CheckpointState,
  type CheckpointStore,
  type Metric,
  type TrainingState,
} from './checkpoint';
export {
  FIXED_ON_RESUME,
  recipes,
  resolveTrainConfig,
  resumeConfig,
  type ConfigChange,
  type ResolvedTrainConfig,
  type TrainConfig,
} from './config';
export { estimateLoss, evaluate } from './estimate-loss';
export { cosineSchedule, type CosineScheduleOptions } from './lr-schedule';
export {
  WASM_PASS_BUDGET,
  defaultPassBudget,
  measurePassMemory,
  planPassRows,
  rowBytesFloor,
  rowsWithin,
  type PassMemory,
} from './memory-plan';
export {
  BLOCK_PROBE_CHARS,
  PRESETS,
  TRAIN_SHARE,
  TextTooShortError,
  VAL_SHARE,
  blockTokensFor,
  charsCovered,
  encodeSplits,
  measureText,
  median,
  medianTokensPerSec,
  presetOf,
  runExtraOf,
  samplePrompt,
  tokenizerText,
  type Preset,
  type RunExtra,
  type TextMeasure,
} from './run';
export { NonFiniteLossError, SAMPLE_OPTIONS, train, type TrainEvent, type TrainOptions, type TrainResult } from './train';
export {
  accumulateGradients,
  applyGradients,
  localSteps,
  measureStep,
  passGradients,
  planPasses,
  sumOfSquares,
  trainStep,
  type ParallelFactory,
  type Pass,
  type StepRunOptions,
  type StepRunner,
  type TensorBatch,
  type TrainStepOptions,
  type TrainStepResult,
  type WeightedBatch,
} from './train-step';
