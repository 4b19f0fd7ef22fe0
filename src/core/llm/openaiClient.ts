import OpenAI from 'openai';

/** The `openai` package's own endpoint, named here so that OPENAI_BASE_URL in the environment cannot redirect a profile that leaves baseURL out. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * The openai client refuses to start without a key; with none, it gets this placeholder and the
 * Authorization header is removed from every request (a `null` default header), so a keyless
 * profile sends no credentials at all.
 */
const NO_KEY_PLACEHOLDER = 'unused';

export interface OpenAIClientSettings {
  /** Undefined: the package's own endpoint. */
  readonly baseURL: string | undefined;
  /** Undefined or empty: no credentials are sent. */
  readonly apiKey: string | undefined;
  /** The engine's attempt deadline; the client's own timeout is a backstop a minute later. */
  readonly attemptTimeoutMs: number;
  readonly fetch?: typeof globalThis.fetch;
}

/**
 * An `openai` client as the engine uses it, in this thread or in a request thread: no retries
 * (the engine owns them), nothing read from the environment, no logging.
 */
export function createOpenAIClient(settings: OpenAIClientSettings): OpenAI {
  const hasKey = settings.apiKey !== undefined && settings.apiKey !== '';
  return new OpenAI({
    baseURL: settings.baseURL ?? OPENAI_DEFAULT_BASE_URL,
    apiKey: hasKey ? settings.apiKey : NO_KEY_PLACEHOLDER,
    ...(hasKey ? {} : { defaultHeaders: { Authorization: null } }),
    // Read from the environment otherwise; a profile says everything about where requests go.
    organization: null,
    project: null,
    maxRetries: 0,
    // The package would otherwise write to the console (a malformed stream event, say); the
    // engine reports every failure itself.
    logLevel: 'off',
    // A backstop only: the engine's own deadline (on its clock) comes first.
    timeout: settings.attemptTimeoutMs + 60_000,
    ...(settings.fetch ? { fetch: settings.fetch } : {}),
  });
}
