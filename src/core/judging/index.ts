/** Judging analysis: the judge report, length control, agreement, Bradley–Terry ratings and tournaments. */
export { judgeReport, judgeLabel, pearson, type JudgeReport, type JudgePairAgreement } from './report';
export { readJudgedRow, type JudgedRow, type JudgedRowReading, type JsonPath } from './judgedRows';
export { lengthControlledWinRate, sigmoid, type LengthControlledFit, type DecisiveVerdict } from './lengthControl';
export { agreementRate, cohenKappa, majorityVerdict, VERDICTS } from './agreement';
export { bradleyTerry, winProbability, type BradleyTerryRatings, type PairResult } from './bradleyTerry';
export {
  runTournament, roundRobinPairs, swissPairing, swissScores, preferenceRows, ROUND_ROBIN_UP_TO,
  type Compare, type Match, type TournamentOptions, type TournamentResult, type PreferenceRow, type PreferenceRowOptions,
} from './tournament';
