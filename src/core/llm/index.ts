/** The model layer: profiles, per-profile scheduling, retries, deadlines and cancellation over `openai`. */
export type { Clock } from './clock';
export { systemClock, ManualClock } from './clock';
export * from './errors';
export type { ModelProfile, SamplingDefaults, PresetId, ProfilePreset } from './profile';
export { validateProfile, validateProfiles, profileFromPreset, PROFILE_PRESETS, DEFAULT_SAMPLING, ProfileError } from './profile';
export type { Permit, SchedulerLimits } from './scheduler';
export { ProfileScheduler, estimateTokens } from './scheduler';
export { TokenBucket } from './tokenBucket';
export type { RetryPolicy, Verdict } from './retry';
export { DEFAULT_RETRY_POLICY, classify, retryAfter, backoffDelay } from './retry';
export type { JsonSchemaLike } from './jsonShape';
export { checkJsonReply } from './jsonShape';
export type { CompletionRequest, CompletionResult, CompletionUsage, ModelClientOptions } from './client';
export { ModelClient } from './client';
