/**
 * Anthropic's transcript form, as in hh-rlhf: `\n\nHuman: …\n\nAssistant: …`, the whole
 * conversation in one string. Text before the first `Human:` marker is the system prompt (as in
 * Anthropic's legacy text-completions API).
 *
 * A parse is a partition of the text: the segments' markers and contents, concatenated, give the
 * input back exactly, whatever its spacing. `formatTranscript` writes the canonical markers
 * (`\n\nHuman: `, `\n\nAssistant: `), which is what every row of hh-rlhf uses, so for those
 * rows turns → transcript is exact too.
 */
import type { Turn } from './conversation';

export type TranscriptRole = 'system' | 'user' | 'assistant';

export interface TranscriptSegment {
  readonly role: TranscriptRole;
  /** The exact text that introduced the turn: `'\n\nHuman: '`, or `''` for a system preamble. */
  readonly marker: string;
  readonly content: string;
  /** Offset of the marker in the transcript. */
  readonly start: number;
}

export interface ParsedTranscript {
  readonly turns: readonly Turn[];
  readonly segments: readonly TranscriptSegment[];
  /** `formatTranscript(turns)` gives the input back: every marker is canonical. */
  readonly canonical: boolean;
}

const HUMAN = '\n\nHuman: ';
const ASSISTANT = '\n\nAssistant: ';

/**
 * Turn markers: `Human:` or `Assistant:` after a blank line, or `Human:`/`Assistant:` at the very
 * start (some copies of hh-rlhf drop the leading newlines), with one optional space.
 */
const MARKER = /(?:^\n{0,2}|\n\n)(Human|Assistant):( ?)/g;

function markers(text: string): RegExpExecArray[] {
  MARKER.lastIndex = 0;
  const found: RegExpExecArray[] = [];
  for (let m = MARKER.exec(text); m !== null; m = MARKER.exec(text)) found.push(m);
  return found;
}

/** Whether a string is a transcript: it has a `Human:` turn and an `Assistant:` turn. */
export function isTranscript(text: string): boolean {
  if (!text.includes('Human:') || !text.includes('Assistant:')) return false;
  const found = markers(text);
  return found.some((m) => m[1] === 'Human') && found.some((m) => m[1] === 'Assistant');
}

export function parseTranscript(text: string): ParsedTranscript {
  const found = markers(text);
  const segments: TranscriptSegment[] = [];
  const firstStart = found[0]?.index ?? text.length;
  // Blank lines before the first turn are part of its marker, not a system prompt.
  const preamble = text.slice(0, firstStart);
  const blankPreamble = found.length > 0 && preamble.trim() === '';
  if (preamble !== '' && !blankPreamble) segments.push({ role: 'system', marker: '', content: preamble, start: 0 });
  found.forEach((m, i) => {
    const contentStart = m.index + m[0].length;
    const next = found[i + 1];
    const start = i === 0 && blankPreamble ? 0 : m.index;
    segments.push({
      role: m[1] === 'Human' ? 'user' : 'assistant',
      marker: text.slice(start, contentStart),
      content: text.slice(contentStart, next ? next.index : text.length),
      start,
    });
  });
  const turns = segments.map((s): Turn => ({ role: s.role, content: s.content }));
  return { turns, segments, canonical: formatSegmentsCanonically(segments) === text };
}

function canonicalMarker(role: TranscriptRole, first: boolean): string {
  if (role === 'system') {
    if (!first) throw new RangeError('a transcript can hold a system prompt only before its first turn');
    return '';
  }
  return role === 'user' ? HUMAN : ASSISTANT;
}

function formatSegmentsCanonically(segments: readonly { role: TranscriptRole; content: string }[]): string {
  let text = '';
  segments.forEach((s, i) => (text += canonicalMarker(s.role, i === 0) + s.content));
  return text;
}

/** Whether turns can be written as a transcript: no tool turns, a system turn only first. */
export function isTranscribable(turns: readonly Turn[]): boolean {
  return turns.every((t, i) => t.role === 'user' || t.role === 'assistant' || (t.role === 'system' && i === 0));
}

/**
 * Writes turns as a transcript with canonical markers. Throws a RangeError for turns that the
 * form cannot hold (see `isTranscribable`).
 */
export function formatTranscript(turns: readonly Turn[]): string {
  if (!isTranscribable(turns)) throw new RangeError('a transcript holds only Human and Assistant turns, after an optional system prompt');
  return formatSegmentsCanonically(turns as readonly { role: TranscriptRole; content: string }[]);
}

/** Writes segments back, each with its own marker: the exact inverse of `parseTranscript`. */
export function joinSegments(segments: readonly Pick<TranscriptSegment, 'marker' | 'content'>[]): string {
  return segments.map((s) => s.marker + s.content).join('');
}
