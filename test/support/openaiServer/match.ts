/** Which requests a rule or a fault applies to. */
import type { ChatRequest } from './protocol';

export interface RequestMatch {
  /** The request's `model`: equal to the string, or matching the pattern. */
  model?: string | RegExp;
  /** Text that occurs in the content of any message (any role): a substring, or a pattern. */
  marker?: string | RegExp;
  /** Anything else; called only for chat completion requests. */
  predicate?: (request: ChatRequest) => boolean;
  /**
   * The request path, e.g. '/v1/models'. Without it a match covers only
   * `POST /v1/chat/completions`.
   */
  path?: string;
}

/** What a match is tested against: the route, and the parsed request when it is a chat completion. */
export interface MatchTarget {
  method: string;
  path: string;
  chat: ChatRequest | undefined;
}

export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

function textMatches(pattern: string | RegExp, text: string): boolean {
  if (typeof pattern === 'string') return text.includes(pattern);
  pattern.lastIndex = 0; // a global or sticky pattern keeps state between calls
  return pattern.test(text);
}

export function requestMatches(match: RequestMatch | undefined, target: MatchTarget): boolean {
  const path = match?.path ?? CHAT_COMPLETIONS_PATH;
  if (target.path !== path) return false;
  if (!match) return true;
  const needsChat = match.model !== undefined || match.marker !== undefined || match.predicate !== undefined;
  if (!needsChat) return true;
  const chat = target.chat;
  if (!chat) return false;
  if (match.model !== undefined) {
    if (typeof match.model === 'string' ? chat.model !== match.model : !textMatches(match.model, chat.model)) {
      return false;
    }
  }
  if (match.marker !== undefined) {
    const marker = match.marker;
    if (!chat.messages.some((message) => textMatches(marker, message.content))) return false;
  }
  if (match.predicate && !match.predicate(chat)) return false;
  return true;
}
