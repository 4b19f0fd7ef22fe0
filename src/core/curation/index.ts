/** Curation: exact and near-duplicates, decontamination, filters and balance, the mix and diversity report. */
export { normaliseText, wordsOf } from './normalise';
export { shingleHashes } from './shingles';
export { MinHasher, estimatedJaccard, exactJaccard } from './minhash';
export { optimalBandShape } from './lsh';
export { exactDuplicateClusters, exactKey } from './exactDuplicates';
export { nearDuplicateClusters, nearDuplicateRate, DEFAULT_NEAR_DUPLICATE_THRESHOLD } from './nearDuplicates';
export { curationText, isCurationField, CURATION_FIELDS, type CurationField } from './curationText';
export { dedupeFile } from './dedupe';
export { NgramIndex } from './ngrams';
export { decontaminateFile, loadBenchmarks } from './decontaminate';
export { rowFacts, categoryOf, type RowFacts } from './rowFacts';
export { filterRows, rowFilters, type FilterSettings } from './filters';
export { balanceRows, type BalanceSettings } from './balance';
export { distinctN, lengthSpread } from './diversity';
export { mixReport, formatMixReport, type MixReport, type MixThresholds } from './mixReport';
