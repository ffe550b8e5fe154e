export { AdamW, decayedParameters, type AdamWOptions, type AdamWState } from './adamw';
export { CHECKPOINT_FORMAT, CheckpointError, readCheckpoint, restoreCheckpoint, writeCheckpoint, type CheckpointState } from './checkpoint';
export { estimateLoss } from './estimate-loss';
export { cosineSchedule, type CosineScheduleOptions } from './lr-schedule';
export { accumulateGradients, applyGradients, trainStep, type TensorBatch, type TrainStepOptions, type TrainStepResult, type WeightedBatch } from './train-step';
export { measurePassMemory, rowsWithin, type PassMemory } from './memory-plan';
