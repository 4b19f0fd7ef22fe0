/**
 * A simulated judge with known truth, so that tests can measure how well Distillery's
 * mitigations (both orders, length control, self-preference warnings, k samples) recover it.
 *
 * ## Protocol
 *
 * The truth travels inside the answer texts, as markers:
 *
 * - `[[quality:0.8]]`: the answer's true quality, a number (on [0, 1] by convention);
 * - `[[author:MODEL]]` (optional): the model that wrote the answer.
 *
 * The judge reads the request's last user message. Each quality marker is one answer, in order
 * of appearance: the first is answer A, the second B, and so on. An answer's text (for its
 * length, and for an author marker) is the block of lines around its quality marker, bounded by
 * lines that look like delimiters (`[The Start of Assistant A's Answer]`, `<answer_b>`, `---`,
 * ``` fences, Markdown headings, `Answer A:` labels alone on a line) or by another answer's
 * marker, with the markers removed. Prompts that fence their answers, as Distillery's do, give
 * exact lengths; without fences, answer A's block may take in the instructions above it.
 *
 * Each answer i gets a score:
 *
 *     score_i = quality_i
 *             + positionBias                              (answer A only)
 *             + lengthBias · (len_i − mean len) / max len (characters)
 *             + selfPreference                            (when author_i equals the request's model)
 *             + Normal(0, noise)                          (seeded; independent per answer)
 *
 * The verdict is the highest score, or a tie when the two best are within `tieMargin`. With
 * qualities drawn uniformly from [0, 1] and no noise, a position bias b raises the share of A
 * verdicts from 1/2 to 1/2 + b − b²/2. Noise on both answers makes the score difference vary with
 * sd noise·√2.
 *
 * With one quality marker and a request for a rating (a number field named score/rating/grade in
 * the json_schema, or the words rate/rating/score/grade in the message), the judge grades the
 * answer instead: grade = min + (max − min) · (quality + selfPreference + noise), rounded and
 * clamped to the range (the field's minimum/maximum, 1–5 by default). Position and length bias
 * do not apply to a single answer.
 *
 * ## Output
 *
 * - With a json_schema response format: a conforming object. Enum fields whose values name the
 *   answers (A/B, answer_a, response_1, first/second, tie/draw/C for pairwise) get the verdict;
 *   string fields named like winner/verdict/preferred get the letter (or "tie"); number fields
 *   named like confidence get the verdict's probability (scaled to the field's maximum when it is
 *   above 1); string fields named like reasoning/explanation/rationale get a short reason;
 *   arrays named like ranking/order get the letters best first; numbers named like score_a or
 *   b_rating get that answer's score on the field's range (and score/rating/grade the grade).
 *   Other fields are generated from the schema.
 * - Otherwise text in the MT-bench style: a sentence, then `[[A]]`, `[[B]]`, or `[[C]]` for a
 *   tie; with three or more answers the best letter, or `[[tie]]`; for a grade, `Rating: [[4]]`.
 *
 * With `logprobs`, the verdict token (the letter, or the grade) carries a distribution over the
 * alternatives: a softmax of the scores over `confidenceScale` (0.1 by default), so that a
 * narrow margin gives a close call. A tie verdict gives the tie token 0.5; otherwise the tie
 * token gets half the probability of the least likely answer (before normalising).
 */
import type { LogprobOverride } from './logprobs';
import type { ChatRequest } from './protocol';
import { lastUserText } from './protocol';
import type { Rng } from './random';
import type { ReplyFunction, ReplySpec } from './rules';
import type { FieldFiller, JsonSchema, SchemaField } from './schema';
import { generateFromSchema, normalise } from './schema';
import { SIMULATED_PREFIX } from './generate';
import { tokenize } from './tokens';

export interface JudgeOptions {
  /** Score bonus for answer A (the first). */
  positionBias?: number;
  /** Weight of the normalised length difference: positive favours longer answers. */
  lengthBias?: number;
  /** Score bonus for an answer whose author marker names the request's model. */
  selfPreference?: number;
  /** Standard deviation of the Gaussian noise added to each answer's score. */
  noise?: number;
  /** The two best scores within this margin make a tie (0 by default: only exact ties). */
  tieMargin?: number;
  /** Softness of the verdict probabilities reported in logprobs and confidence (default 0.1). */
  confidenceScale?: number;
  /** Judge requests that carry quality markers when no rule answers them (default true). */
  enabled?: boolean;
}

export interface ParsedAnswer {
  /** 'A', 'B', … in order of appearance. */
  label: string;
  quality: number;
  author: string | undefined;
  /** The answer's text without markers. */
  text: string;
  length: number;
}

export interface JudgedAnswer extends ParsedAnswer {
  score: number;
  selfAuthored: boolean;
}

export interface JudgeVerdict {
  kind: 'pairwise' | 'nway' | 'grade';
  answers: JudgedAnswer[];
  /** The winning label, or 'tie'; for a grade, 'A'. */
  winner: string;
  /** Labels from best to worst score. */
  ranking: string[];
  /** How likely each verdict was: by label and 'tie', or by grade (as a string). */
  probabilities: Record<string, number>;
  /** The grade given, for kind 'grade'. */
  grade?: number;
  gradeRange?: [number, number];
  /** The options it judged with. */
  options: JudgeOptions;
}

const QUALITY_MARKER = /\[\[quality:\s*(-?\d+(?:\.\d+)?)\s*\]\]/gi;
const AUTHOR_MARKER = /\[\[author:\s*([^\]]+?)\s*\]\]/i;
const ANY_MARKER = /\[\[(?:quality|author):[^\]]*\]\]/gi;
const DELIMITER_LINE =
  /^\s*(?:<<<(?:BEGIN|END) [^<>]{1,100}>>>|<\/?[A-Za-z][\w.:-]*(?:\s[^<>]*)?>|\[[^[\]]{1,100}\]|```.*|~~~.*|[-=*_#~+]{3,}|#{1,6}\s.*|(?:\*\*)?[A-Z][\w '()-]{0,60}:(?:\*\*)?)\s*$/;

export function letter(index: number): string {
  return String.fromCharCode(65 + index);
}

/** The answers in `text`, one per quality marker, in order (see the protocol above). */
export function findAnswers(text: string): ParsedAnswer[] {
  const lines = text.split('\n');
  const lineStarts: number[] = [];
  let offset = 0;
  for (const line of lines) {
    lineStarts.push(offset);
    offset += line.length + 1;
  }
  const lineOf = (position: number): number => {
    let index = 0;
    while (index + 1 < lineStarts.length && (lineStarts[index + 1] as number) <= position) index++;
    return index;
  };

  const markers = [...text.matchAll(QUALITY_MARKER)].map((m) => ({
    quality: Number(m[1]),
    start: m.index ?? 0,
    end: (m.index ?? 0) + m[0].length,
    line: lineOf(m.index ?? 0),
  }));

  return markers.map((marker, i) => {
    let blockText: string;
    const sharesLine = markers.some((other, j) => j !== i && other.line === marker.line);
    if (sharesLine) {
      // Several answers on one line: each runs from its marker to the next one.
      const next = markers[i + 1];
      const lineEnd = (lineStarts[marker.line] as number) + (lines[marker.line] as string).length;
      blockText = text.slice(marker.start, next && next.line === marker.line ? next.start : lineEnd);
    } else {
      const isBoundary = (lineIndex: number): boolean =>
        DELIMITER_LINE.test(lines[lineIndex] as string) || markers.some((other, j) => j !== i && other.line === lineIndex);
      let first = marker.line;
      while (first - 1 >= 0 && !isBoundary(first - 1)) first--;
      let last = marker.line;
      while (last + 1 < lines.length && !isBoundary(last + 1)) last++;
      blockText = lines.slice(first, last + 1).join('\n');
    }
    const author = AUTHOR_MARKER.exec(blockText)?.[1];
    const clean = blockText.replace(ANY_MARKER, '').trim();
    return { label: letter(i), quality: marker.quality, author, text: clean, length: clean.length };
  });
}

function isRatingField(field: SchemaField): boolean {
  const types = Array.isArray(field.schema.type) ? field.schema.type : [field.schema.type];
  return (types.includes('integer') || types.includes('number')) && /^(?:score|rating|grade|overall[_\s-]?score)$/i.test(field.name ?? '');
}

/** The first field of `schema` that satisfies `test`, looking through nested objects. */
function findField(schema: JsonSchema, test: (field: SchemaField) => boolean): SchemaField | undefined {
  const visit = (node: JsonSchema, name: string | undefined, pointer: string, depth: number): SchemaField | undefined => {
    const resolved = normalise(schema, node);
    const field = { name, pointer, schema: resolved };
    if (test(field)) return field;
    if (depth > 6) return undefined;
    for (const [key, child] of Object.entries(resolved.properties ?? {})) {
      const found = visit(child, key, `${pointer}/${key}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return visit(schema, undefined, '', 0);
}

function requestSchema(request: ChatRequest): JsonSchema | undefined {
  return request.responseFormat.type === 'json_schema' ? request.responseFormat.schema : undefined;
}

/** Whether the simulated judge would answer this request (it carries quality markers for it). */
export function isJudgingRequest(request: ChatRequest): boolean {
  const text = lastUserText(request);
  const count = [...text.matchAll(QUALITY_MARKER)].length;
  if (count >= 2) return true;
  if (count !== 1) return false;
  const schema = requestSchema(request);
  if (schema) return findField(schema, isRatingField) !== undefined;
  return /\b(?:rate|rating|score|grade)\b/i.test(text.replace(ANY_MARKER, ''));
}

function softmax(values: readonly number[], scale: number): number[] {
  const top = Math.max(...values);
  const weights = values.map((v) => Math.exp((v - top) / scale));
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / sum);
}

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/** Normalises an enum value or a label-ish string to an answer label or 'tie'. */
function labelOf(value: unknown, answerCount: number): string | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 && value <= answerCount ? letter(value - 1) : undefined;
  if (typeof value !== 'string') return undefined;
  const v = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (['tie', 'tied', 'draw', 'equal', 'neither', 'both', 'same', 'none', 'equivalent'].includes(v)) return 'tie';
  if (answerCount === 2 && v === 'c') return 'tie';
  const ordinals = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth'];
  if (ordinals.includes(v)) return ordinals.indexOf(v) < answerCount ? letter(ordinals.indexOf(v)) : undefined;
  const m = /^(?:answer|assistant|response|model|output|option|candidate|completion)?([a-z]|\d+)$/.exec(v);
  if (!m) return undefined;
  const token = m[1] as string;
  const index = /^\d+$/.test(token) ? Number(token) - 1 : token.charCodeAt(0) - 97;
  return index >= 0 && index < answerCount ? letter(index) : undefined;
}

function numericBounds(schema: JsonSchema, fallback: [number, number]): [number, number] {
  return [schema.minimum ?? schema.exclusiveMinimum ?? fallback[0], schema.maximum ?? schema.exclusiveMaximum ?? fallback[1]];
}

function isNumeric(schema: JsonSchema): boolean {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  return types.includes('number') || types.includes('integer');
}

function fitNumber(value: number, schema: JsonSchema): number {
  const [low, high] = numericBounds(schema, [-Infinity, Infinity]);
  const integer = (Array.isArray(schema.type) ? schema.type : [schema.type]).includes('integer');
  const fitted = clamp(value, low, high);
  return integer ? clamp(Math.round(fitted), Math.ceil(low), Math.floor(high)) : Math.round(fitted * 1000) / 1000;
}

function reasoningText(verdict: JudgeVerdict): string {
  const w = verdict.winner;
  if (verdict.kind === 'grade') {
    const quality = verdict.answers[0]?.quality ?? 0;
    const words = quality >= 0.75 ? 'accurate, complete and clear' : quality >= 0.4 ? 'partly correct but incomplete' : 'mostly unhelpful';
    return `${SIMULATED_PREFIX} The answer is ${words}.`;
  }
  if (w === 'tie') return `${SIMULATED_PREFIX} The answers are about equally good; neither is clearly better.`;
  if (verdict.kind === 'pairwise') {
    const other = w === 'A' ? 'B' : 'A';
    return `${SIMULATED_PREFIX} Answer ${w} is more accurate and more helpful than answer ${other}.`;
  }
  return `${SIMULATED_PREFIX} Ranking from best to worst: ${verdict.ranking.join(' > ')}. Answer ${w} is the best.`;
}

/** The judge's verdict on `request`, without formatting; undefined when it carries no answers to judge. */
export function decide(request: ChatRequest, rng: Rng, options: JudgeOptions): JudgeVerdict | undefined {
  if (!isJudgingRequest(request)) return undefined;
  const parsed = findAnswers(lastUserText(request));
  const noiseSd = options.noise ?? 0;
  const model = request.model.toLowerCase();
  const judged: JudgedAnswer[] = parsed.map((answer) => ({
    ...answer,
    selfAuthored: answer.author !== undefined && answer.author.toLowerCase() === model,
    score: answer.quality,
  }));
  const scale = options.confidenceScale ?? 0.1;

  if (judged.length === 1) {
    const answer = judged[0] as JudgedAnswer;
    answer.score += (answer.selfAuthored ? options.selfPreference ?? 0 : 0) + rng.normal(0, noiseSd);
    const schema = requestSchema(request);
    const field = schema ? findField(schema, isRatingField) : undefined;
    const [low, high] = field ? numericBounds(field.schema, [1, 5]) : [1, 5];
    const continuous = low + (high - low) * clamp(answer.score, 0, 1);
    const grade = clamp(Math.round(continuous), Math.ceil(low), Math.floor(high));
    const grades: number[] = [];
    for (let g = Math.ceil(low); g <= Math.floor(high); g++) grades.push(g);
    const probabilities = softmax(grades.map((g) => -Math.abs(g - continuous)), 0.35);
    return {
      kind: 'grade',
      answers: judged,
      winner: 'A',
      ranking: ['A'],
      probabilities: Object.fromEntries(grades.map((g, i) => [String(g), probabilities[i] as number])),
      grade,
      gradeRange: [low, high],
      options,
    };
  }

  const lengths = judged.map((a) => a.length);
  const meanLength = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  const maxLength = Math.max(1, ...lengths);
  judged.forEach((answer, i) => {
    answer.score +=
      (i === 0 ? options.positionBias ?? 0 : 0) +
      (options.lengthBias ?? 0) * ((answer.length - meanLength) / maxLength) +
      (answer.selfAuthored ? options.selfPreference ?? 0 : 0) +
      rng.normal(0, noiseSd);
  });
  const ranking = [...judged].sort((a, b) => b.score - a.score).map((a) => a.label);
  const best = judged.find((a) => a.label === ranking[0]) as JudgedAnswer;
  const second = judged.find((a) => a.label === ranking[1]) as JudgedAnswer;
  const tie = best.score - second.score <= (options.tieMargin ?? 0);
  const kind = judged.length === 2 ? 'pairwise' : 'nway';
  const answerProbabilities = softmax(judged.map((a) => a.score), scale);
  // A tie verdict takes half the mass; otherwise a tie is less likely than the least likely answer.
  const tieProbability = tie ? 1 : 0.5 * Math.min(...answerProbabilities);
  const total = 1 + tieProbability;
  const probabilities: Record<string, number> = {};
  judged.forEach((answer, i) => {
    probabilities[answer.label] = (answerProbabilities[i] as number) / total;
  });
  probabilities.tie = tieProbability / total;
  return { kind, answers: judged, winner: tie ? 'tie' : best.label, ranking, probabilities, options };
}

/** How the verdict is written in text: the letter, C for a pairwise tie, 'tie' among more answers, or the grade. */
export function verdictToken(verdict: JudgeVerdict): string {
  if (verdict.kind === 'grade') return String(verdict.grade);
  return spellLabel(verdict, verdict.winner);
}

function spellLabel(verdict: JudgeVerdict, label: string): string {
  if (label !== 'tie') return label;
  return verdict.kind === 'pairwise' ? 'C' : 'tie';
}

function firstDifference(a: readonly string[], b: readonly string[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * Pins the verdict's distribution at the token where the written verdict (`own`, at `offset` in
 * the content) first differs from the runner-up's spelling: "A" against "B", or the "a" of
 * "answer_a" against "answer_b".
 */
function pinVerdict(
  offset: number,
  own: { key: string; spelling: string },
  spellings: ReadonlyArray<{ key: string; spelling: string }>,
  probabilities: Record<string, number>,
): LogprobOverride {
  const ownTokens = tokenize(own.spelling);
  const ownTexts = ownTokens.map((t) => t.text);
  const others = spellings
    .filter((s) => s.key !== own.key && s.spelling !== own.spelling)
    .map((s) => ({ ...s, texts: tokenize(s.spelling).map((t) => t.text) }));
  const runnerUp = [...others].sort((a, b) => (probabilities[b.key] ?? 0) - (probabilities[a.key] ?? 0))[0];
  const at = Math.min(runnerUp ? firstDifference(ownTexts, runnerUp.texts) : 0, Math.max(0, ownTokens.length - 1));
  const token = ownTokens[at] ?? { text: own.spelling, offset: 0 };
  const bare = (text: string): string => text.trimStart();
  const mass = new Map<string, number>([[bare(token.text), probabilities[own.key] ?? 0]]);
  for (const other of others) {
    // Only spellings that share the prefix before the pinned token are alternatives at that position.
    if (firstDifference(ownTexts, other.texts) !== at || other.texts[at] === undefined) continue;
    const text = bare(other.texts[at] as string);
    mass.set(text, (mass.get(text) ?? 0) + (probabilities[other.key] ?? 0));
  }
  const leading = token.text.length - bare(token.text).length;
  return {
    offset: offset + token.offset + leading,
    probabilities: [...mass].map(([text, probability]) => ({ token: text, probability })),
  };
}

/** The verdict as text, ending with the MT-bench style `[[X]]`. */
function textReply(verdict: JudgeVerdict): ReplySpec {
  const token = verdictToken(verdict);
  const reason = reasoningText(verdict);
  const content = verdict.kind === 'grade' ? `${reason}\n\nRating: [[${token}]]` : `${reason}\n\nFinal verdict: [[${token}]]`;
  const offset = content.lastIndexOf(`[[${token}]]`) + 2;
  const keys = Object.keys(verdict.probabilities);
  const spell = (key: string): string => (verdict.kind === 'grade' ? key : spellLabel(verdict, key));
  const ownKey = verdict.kind === 'grade' ? String(verdict.grade) : verdict.winner;
  return {
    content,
    logprobOverrides: [
      pinVerdict(offset, { key: ownKey, spelling: token }, keys.map((key) => ({ key, spelling: spell(key) })), verdict.probabilities),
    ],
  };
}

/** The verdict as JSON conforming to `schema`. */
function structuredReply(verdict: JudgeVerdict, schema: JsonSchema, rng: Rng): ReplySpec {
  const count = verdict.answers.length;
  const winnerProbability = verdict.probabilities[verdict.kind === 'grade' ? String(verdict.grade) : verdict.winner] ?? 0;
  /** The field that states the verdict, and how each possible verdict is spelled in it. */
  let verdictField: { key: string; value: unknown; ownKey: string; spellings: Array<{ key: string; spelling: string }> } | undefined;

  const filler: FieldFiller = (field) => {
    const { name, schema: node } = field;
    const key = name ?? '';
    const types = Array.isArray(node.type) ? node.type : [node.type];
    if (node.enum && verdict.kind !== 'grade') {
      const labelled = node.enum.map((value) => ({ value, label: labelOf(value, count) }));
      const answerLabels = new Set(labelled.map((l) => l.label).filter((l) => l !== undefined && l !== 'tie'));
      if (answerLabels.size >= 2) {
        const hasTie = labelled.some((l) => l.label === 'tie');
        const wanted = verdict.winner === 'tie' && !hasTie ? verdict.ranking[0] : verdict.winner;
        const chosen = labelled.find((l) => l.label === wanted) ?? labelled[0];
        if (name !== undefined && !verdictField && chosen) {
          verdictField = {
            key: name,
            value: chosen.value,
            ownKey: chosen.label ?? verdict.winner,
            spellings: labelled.filter((l) => l.label !== undefined).map((l) => ({ key: l.label as string, spelling: String(l.value) })),
          };
        }
        return { value: chosen?.value };
      }
    }
    if (types.includes('string') && !node.enum && verdict.kind !== 'grade' && /winner|verdict|prefer|better|choice|best|decision|selected/i.test(key)) {
      const value = verdict.winner;
      if (!verdictField) {
        const keys = Object.keys(verdict.probabilities);
        verdictField = { key, value, ownKey: value, spellings: keys.map((k) => ({ key: k, spelling: k })) };
      }
      return { value };
    }
    if (isNumeric(node) && /confiden|certain|probab/i.test(key)) {
      const [, high] = numericBounds(node, [0, 1]);
      return { value: fitNumber(high > 1 ? winnerProbability * high : winnerProbability, node) };
    }
    if (types.includes('string') && !node.enum && /reason|explan|rational|critique|justif|analys|thought|comment|feedback|summary|why/i.test(key)) {
      const text = reasoningText(verdict);
      return { value: node.maxLength !== undefined ? text.slice(0, node.maxLength) : text };
    }
    if (types.includes('array') && /rank|order/i.test(key)) {
      const itemEnum = node.items ? normalise(schema, node.items).enum : undefined;
      const value = verdict.ranking.map((label) => (itemEnum ? itemEnum.find((v) => labelOf(v, count) === label) ?? label : label));
      return { value };
    }
    if (isNumeric(node) && /score|rating|grade/i.test(key)) {
      if (verdict.kind === 'grade') {
        const value = fitNumber(verdict.grade ?? 0, node);
        if (!verdictField) {
          const keys = Object.keys(verdict.probabilities);
          verdictField = { key, value, ownKey: String(value), spellings: keys.map((k) => ({ key: k, spelling: k })) };
        }
        return { value };
      }
      const m = /^(?:score|rating|grade)[_\s-]?([a-z]|\d+)$/i.exec(key) ?? /^(?:answer|assistant|response)?[_\s-]?([a-z]|\d+)[_\s-]?(?:score|rating|grade)$/i.exec(key);
      const label = m ? labelOf(m[1], count) : undefined;
      const answer = verdict.answers.find((a) => a.label === label);
      if (answer) {
        const [low, high] = numericBounds(node, [1, 10]);
        return { value: fitNumber(low + (high - low) * clamp(answer.score, 0, 1), node) };
      }
    }
    return undefined;
  };

  const value = generateFromSchema(schema, rng, { filler });
  const content = JSON.stringify(value);
  const logprobOverrides: LogprobOverride[] = [];
  if (verdictField) {
    const needle = `${JSON.stringify(verdictField.key)}:${JSON.stringify(verdictField.value)}`;
    const at = content.indexOf(needle);
    if (at >= 0) {
      // The value starts after `"key":` and, for a string, its opening quote.
      const valueStart = at + JSON.stringify(verdictField.key).length + 1 + (typeof verdictField.value === 'string' ? 1 : 0);
      logprobOverrides.push(
        pinVerdict(valueStart, { key: verdictField.ownKey, spelling: String(verdictField.value) }, verdictField.spellings, verdict.probabilities),
      );
    }
  }
  return { content, logprobOverrides };
}

/** The judge's answer to `request`: its verdict and the reply that states it. */
export function runJudge(request: ChatRequest, rng: Rng, options: JudgeOptions): { verdict: JudgeVerdict; reply: ReplySpec } | undefined {
  const judgeRng = rng.fork('judge');
  const verdict = decide(request, judgeRng, options);
  if (!verdict) return undefined;
  const schema = requestSchema(request);
  const reply = schema ? structuredReply(verdict, schema, judgeRng) : textReply(verdict);
  return { verdict, reply };
}

/** A rule reply that answers as the simulated judge with these options (e.g. one biased judge model among several). */
export function judgeReply(options: JudgeOptions = {}): ReplyFunction {
  return (_request, context) => context.judge(options);
}
