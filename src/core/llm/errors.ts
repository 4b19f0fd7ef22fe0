/**
 * The model layer's typed errors. None of them ever carries an API key: messages name the
 * profile and where its key comes from (`apiKeyRef`), never the key.
 */

/** Base class: an error of the model layer. */
export class ModelError extends Error {
  constructor(
    message: string,
    readonly profile: string,
  ) {
    super(message);
    this.name = 'ModelError';
  }
}

/**
 * Retrying cannot help and the whole run should stop: the key is refused (401/403) or the account
 * has no quota left (429 `insufficient_quota`).
 */
export class FatalModelError extends ModelError {
  constructor(
    message: string,
    profile: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message, profile);
    this.name = 'FatalModelError';
  }
}

/** The caller's signal aborted the call; nothing more is sent for it. */
export class ModelCancelledError extends ModelError {
  constructor(profile: string) {
    super(`model call on profile "${profile}" was cancelled`, profile);
    this.name = 'ModelCancelledError';
  }
}

/** A request the service rejects as such (400, 404, 422…): this row fails, the run may go on. */
export class ModelRequestError extends ModelError {
  constructor(
    message: string,
    profile: string,
    readonly status: number | undefined,
  ) {
    super(message, profile);
    this.name = 'ModelRequestError';
  }
}

/** Every allowed attempt failed with a transient error. */
export class RetriesExhaustedError extends ModelError {
  constructor(
    message: string,
    profile: string,
    readonly attempts: number,
    readonly lastError: string,
  ) {
    super(message, profile);
    this.name = 'RetriesExhaustedError';
  }
}

/** The reply never matched the requested JSON schema, after the allowed re-asks. */
export class SchemaMismatchError extends ModelError {
  constructor(
    message: string,
    profile: string,
    readonly attempts: number,
    readonly problems: readonly string[],
    /** The last reply, for the row's error report. */
    readonly lastContent: string,
  ) {
    super(message, profile);
    this.name = 'SchemaMismatchError';
  }
}

/**
 * One attempt failed in a way worth retrying that the `openai` client does not report as an API
 * error: the deadline passed, the stream went idle, or the stream ended without a finish reason.
 */
export class AttemptError extends Error {
  constructor(
    message: string,
    readonly reason: 'deadline' | 'idle' | 'partialStream',
  ) {
    super(message);
    this.name = 'AttemptError';
  }
}

/** What a deferred call's error says; a failed row's message that contains it was only deferred. */
export const DEFERRED_TO_BATCH = 'deferred to a batch request file';

/**
 * The engine is in defer mode (a batch export): the call was not sent but written to a batch
 * request file, under `customId` (its cache key). Not fatal: the row fails now and is done by a
 * later run, once the batch's replies are imported into the cache.
 */
export class RequestDeferredError extends ModelError {
  constructor(
    profile: string,
    readonly customId: string,
  ) {
    super(`profile "${profile}": ${DEFERRED_TO_BATCH}`, profile);
    this.name = 'RequestDeferredError';
  }
}
