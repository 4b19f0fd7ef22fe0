/**
 * A scripted critic for critique–revise tests: rules for the test server that tell a critique
 * request from a revision request by the JSON schema it asks for, and a small constitution.
 */
import type { ChatRequest, Rule } from '../../support/openaiServer';

export const CONSTITUTION_TEXT = [
  '# Test principles',
  '',
  '## Principle: alpha',
  'Tags: safety',
  'Critique: Point out every harmful claim (alpha).',
  'Revision: Rewrite the answer without the harmful claims (alpha).',
  '',
  '## Principle: beta',
  'Weight: 2',
  'Tags: safety, tone',
  'Critique: Point out any rude wording (beta).',
  'Revision: Rewrite the answer politely (beta).',
  '',
  '## Principle: gamma',
  'Tags: style',
  'Critique: Point out anything unclear (gamma).',
  'Revision: Rewrite the answer more clearly (gamma).',
  '',
  '## Principle: judge-only',
  'Compare: Which answer is kinder?',
  '',
].join('\n');

/** The schema a request asks for: "critique", "revision", or undefined. */
export function schemaName(request: ChatRequest): string | undefined {
  return request.responseFormat.type === 'json_schema' ? request.responseFormat.name : undefined;
}

/** The principle id the request's last user message names. */
export function principleOf(request: ChatRequest): string {
  const last = [...request.messages].reverse().find((m) => m.role === 'user');
  return /principle "([a-z0-9-]+)"/.exec(last?.content ?? '')?.[1] ?? 'unknown';
}

export interface ScriptOptions {
  /** Principles whose critique says nothing needs fixing. */
  readonly nothingToFix?: readonly string[];
  /** The revision text for a principle; `Revised for ID.` by default. */
  readonly revision?: (principle: string, request: ChatRequest) => string;
}

/** Two rules: critiques ("Critique under ID.") and revisions, by the schema each request asks for. */
export function criticRules(options: ScriptOptions = {}): Rule[] {
  return [
    {
      name: 'critique',
      match: { predicate: (request) => schemaName(request) === 'critique' },
      reply: (request) => {
        const principle = principleOf(request);
        return { json: { critique: `Critique under ${principle}.`, needsRevision: !(options.nothingToFix ?? []).includes(principle) } };
      },
    },
    {
      name: 'revision',
      match: { predicate: (request) => schemaName(request) === 'revision' },
      reply: (request) => ({ json: { revision: options.revision?.(principleOf(request), request) ?? `Revised for ${principleOf(request)}.` } }),
    },
  ];
}
