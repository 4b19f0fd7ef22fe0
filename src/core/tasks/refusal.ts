/**
 * Refusal detection for generated samples. An answer is a refusal when it starts with one of the
 * phrases below (after an optional apology: "Sorry, but I can't help with that"), or when it is
 * short (at most REFUSAL_GIST_CHARS) and one of them is its gist anywhere ("That's not something
 * I can do. I can't help with that."). Case-insensitive; curly apostrophes count as straight ones.
 *
 * The phrases need a verb of helping after "I can't": "I can't stress enough how…" or "I cannot
 * recommend this library highly enough" are answers, not refusals.
 */

/** Short answers are judged by their whole text; longer ones only by how they start. */
export const REFUSAL_GIST_CHARS = 300;

/** What follows "I" in a refusal ("I can't", "I'm unable", "I won't be able to"), each with its own leading space or apostrophe. */
const CANNOT = String.raw`(?: can ?not| can't| won't| will not| am (?:not able|unable)|'m (?:not able|unable)| am not going|'m not going| must decline| have to decline| must refuse| do not feel comfortable| don't feel comfortable)(?: be able)?`;
const HELP = String.raw`(?:help|assist|provide|comply|fulfill|fulfil|do (?:that|this)|answer|respond|support|create|generate|write|give|share|engage|participate|complete|continue|offer|produce|discuss|be of help|to (?:help|assist|provide|comply|fulfill|fulfil|do|answer|respond|create|generate|write|give|share|engage|participate|complete|continue|offer|produce|discuss))\b`;

/** The documented patterns, each with a name that the rejection reason shows. */
export const REFUSAL_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'as an AI, I cannot', pattern: new RegExp(String.raw`\bas an ai(?: language model| assistant| model)?,? i${CANNOT}`, 'i') },
  { name: "I can't help with", pattern: new RegExp(String.raw`\bi${CANNOT} (?:\w+ )?${HELP}`, 'i') },
  { name: "I'm sorry, but I cannot", pattern: new RegExp(String.raw`\b(?:i'm|i am) (?:very |really |so )?sorry,? but (?:i|as an ai)`, 'i') },
  { name: 'I apologize, but I cannot', pattern: new RegExp(String.raw`\bi apologi[sz]e,? but (?:i|as an ai)`, 'i') },
  { name: 'I must decline', pattern: /\bi (?:must|have to|will have to|need to) (?:respectfully |politely )?decline\b/i },
  { name: "that's not something I can", pattern: /\b(?:that|this) is(?:n't| not) something i (?:can|am able to|'m able to|will)\b/i },
  { name: 'I refuse to', pattern: /\bi refuse to\b/i },
];

/** An apology that may come before the refusal proper at the start of an answer. */
const LEADING_APOLOGY = /^(?:(?:i'm|i am) (?:very |really |so )?sorry|sorry|unfortunately|i apologi[sz]e|apologies)[,.!]?\s*(?:but\s+)?/i;

function normalise(text: string): string {
  return text.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\s+/g, ' ').trim();
}

/** The name of the refusal pattern an answer matches, or undefined when it is not a refusal. */
export function detectRefusal(answer: string): string | undefined {
  const text = normalise(answer);
  if (text === '') return undefined;
  const opening = text.replace(LEADING_APOLOGY, '');
  for (const { name, pattern } of REFUSAL_PATTERNS) {
    // At the start: the match begins the answer, or begins it after an apology.
    const match = pattern.exec(text);
    const openingMatch = pattern.exec(opening);
    if ((match && match.index === 0) || (openingMatch && openingMatch.index === 0)) return name;
    if (match && text.length <= REFUSAL_GIST_CHARS) return name;
  }
  return undefined;
}
