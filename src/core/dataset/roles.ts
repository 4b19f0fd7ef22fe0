/** The speakers of Distillery's conversation model, and how dataset formats name them. */

export const ROLES = ['system', 'user', 'assistant', 'tool'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * Message `role` values read as one of Distillery's roles. Besides the four roles themselves:
 * OpenAI's `developer` (the system role of its reasoning models) and its deprecated `function`
 * (a tool result). Rows keep their own role strings; only the model normalises them.
 */
const MESSAGE_ROLE_ALIASES: Readonly<Record<string, Role>> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
  tool: 'tool',
  function: 'tool',
};

export function roleOfMessage(role: unknown): Role | undefined {
  return typeof role === 'string' && Object.hasOwn(MESSAGE_ROLE_ALIASES, role) ? MESSAGE_ROLE_ALIASES[role] : undefined;
}

/**
 * ShareGPT `from` values: LLaMA-Factory's five (`human`, `gpt`, `system`, `function_call`,
 * `observation`) and the plain role names that some ShareGPT exports use. A `function_call` turn
 * is the assistant calling a tool (its value is the call as JSON text); an `observation` is the
 * tool's result.
 */
const SHAREGPT_FROM: Readonly<Record<string, Role>> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  assistant: 'assistant',
  function_call: 'assistant',
  system: 'system',
  observation: 'tool',
  tool: 'tool',
};

export function roleOfShareGptFrom(from: unknown): Role | undefined {
  return typeof from === 'string' && Object.hasOwn(SHAREGPT_FROM, from) ? SHAREGPT_FROM[from] : undefined;
}

/** The `from` name written for each role: LLaMA-Factory's defaults. */
export const SHAREGPT_FROM_OF_ROLE: Readonly<Record<Role, string>> = {
  system: 'system',
  user: 'human',
  assistant: 'gpt',
  tool: 'observation',
};

/** The `from` values that convert to a `role` and back unchanged (see convert.ts). */
export const LOSSLESS_SHAREGPT_FROM: ReadonlySet<string> = new Set(Object.values(SHAREGPT_FROM_OF_ROLE));
