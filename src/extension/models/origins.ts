/**
 * Endpoint origins (`scheme://host[:port]`): what keys are stored under and what the user
 * approves. Pure, so unit tests cover it without an editor.
 */
import { OPENAI_DEFAULT_BASE_URL } from '../../core/llm/client';

export { OPENAI_DEFAULT_BASE_URL };

/**
 * The origin requests to `baseURL` go to: the URL's own origin (a default port left out), or
 * OpenAI's when there is none. Throws for anything but an absolute http(s) URL.
 */
export function originOf(baseURL: string | undefined): string {
  const url = new URL(baseURL ?? OPENAI_DEFAULT_BASE_URL);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`not an http or https URL: ${url.protocol}`);
  return url.origin;
}

/**
 * What the user typed into "Other URL…" as an origin: a full base URL or just scheme://host:port.
 * undefined when it is not an http(s) URL, or when it carries credentials (`user:pass@`), which
 * would otherwise end up in the secret's name.
 */
export function parseOriginInput(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return url.origin;
}

/** The SecretStorage entry that holds the key for `origin`. */
export function secretNameFor(origin: string): string {
  return `distillery.apiKey:${origin}`;
}
