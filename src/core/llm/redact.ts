import type { Environment } from './endpoint';

const REDACTED = '[redacted]';
const secretVariable = /(?:KEY|TOKEN|SECRET|PASSWORD)$/i;

/** Values of environment variables that look like credentials, longest first. */
export function secretsIn(env: Environment): string[] {
  return Object.entries(env)
    .filter(([name, value]) => secretVariable.test(name) && value !== undefined && value.length >= 8)
    .map(([, value]) => value as string)
    .sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret; applied to anything printed or logged. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) result = result.split(secret).join(REDACTED);
  return result;
}
