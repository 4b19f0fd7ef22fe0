/** The tasks: distillation (generate, sample filters, verifier) and Self-Instruct prompt synthesis. */
export type * from './types';
export { generateForRow, generateSettingsProblems, GenerateSettingsError, type GenerateOptions } from './generate';
export { filterSamples, filterSettingsProblems, lastUserText, DEFAULT_NEAR_THRESHOLD, type FilterVerdict, type FilterContext } from './sampleFilters';
export { detectRefusal, REFUSAL_PATTERNS, REFUSAL_GIST_CHARS } from './refusal';
export { foldForDuplicates, shingles, jaccard, words, SHINGLE_WORDS } from './nearDuplicates';
export {
  runVerifier, VerifierStartError, VerifierCancelledError, DEFAULT_VERIFIER_TIMEOUT_MS,
  type VerifierSettings, type VerifierInput, type VerifierVerdict,
} from './verifier';
export { rougeL, rougeTokens, lcsLength, RougePool, type RougeMatch } from './rougeL';
export {
  readSeedTasks, parseNumberedList, synthesizeInstructions, instructionKey, DEFAULT_BLOCKED_KEYWORDS, DEFAULT_ROUGE_THRESHOLD,
  type SeedTask, type SelfInstructOptions, type SelfInstructResult, type AcceptedInstruction, type RejectedInstruction, type InstructionRejection,
} from './selfInstruct';
export { renderSystemPrompt, templateFields, templateHash } from './systemPrompt';
export { fence, generationMessages, selfInstructMessages } from './prompts';
