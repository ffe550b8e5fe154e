export { AdamW, decayedParameters, type AdamWOptions, type AdamWState } from './adamw';
export { CHECKPOINT_FORMAT, CheckpointError, readCheckpoint, restoreCheckpoint, writeCheckpoint, type CheckpointState } from './checkpoint';
export { estimateLoss } from './estimate-loss';
export { cosineSchedule, type CosineScheduleOptions } from './lr-schedule';
export { trainStep, type TensorBatch, type TrainStepOptions, type TrainStepResult } from './train-step';
