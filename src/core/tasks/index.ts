/** The tasks: distillation (generate, filters, verifier), Self-Instruct, critique & revise, pairwise judging and rubric scores. */
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
export type * from './critiqueTypes';
export {
  critiqueRevise, critiqueSettingsProblems, chainPrinciples, CritiqueSettingsError, CritiqueRoundError,
  type CritiqueOptions, type CritiqueConstitution,
} from './critiqueRevise';
export {
  critiqueMessages, revisionMessages, CRITIQUE_SCHEMA, REVISION_SCHEMA,
  type PrincipleRequests, type ReviewedAnswer, type ChainStep,
} from './critiquePrompts';
export { critiqueInputOf, critiqueMetadata, revisedRow, preferencePairRow, type CritiqueRowInput } from './critiqueRows';
export { readFewShotExamples, parseFewShotExamples } from './fewShot';
export type * from './judgeTypes';
export { judgePair, judgeCriteria, judgeSettingsProblems, majority, parseVerdict, probabilityFirstWins, JudgeSettingsError, JudgeCallError, DEFAULT_JUDGE_SETTINGS, type JudgePairInput, type JudgePairOptions, type CriteriaChoice } from './judgePair';
export { judgeMessages, criteriaText, VERDICT_SCHEMA, DEFAULT_COMPARE_QUESTION } from './judgePrompts';
export { judgeInputOf, judgedRow, type JudgeRowInput } from './judgeRows';
export { scoreAnswer, filterByScore, rowScore, parseGrade, rubricScoreMessages, rubricSettingsProblems, RubricScoreError, RubricSettingsError, RUBRIC_SCORE_SCHEMA, type ScoreOptions, type ScoreFilterResult } from './rubricScore';
export {
  rankCandidates, rankInputOf, rankedRow, rankedPreferenceRows, withBestAnswer, candidateCount, PREFERENCE_PAIRS,
  type RankInput, type RankResult, type RankOptions, type RankedMatch, type CandidateRanking, type PreferencePairs, type PreferenceRowSettings,
} from './rankCandidates';
