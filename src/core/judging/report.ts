/**
 * The judge report over a judged file: how the judge decided and how far to trust it. Plain,
 * JSON-serialisable data: `distillery judge-report --json` prints it, the report view draws it.
 *
 * - win rates: shares of judged rows whose final label is A, B or a tie;
 * - position-flip rate: among rows judged in both orders, the share whose orders disagreed;
 * - agreement across samples: the mean of each row's `agreement` (samples agreeing with its label);
 * - agreement across judges: for each pair of judges, the share of rows (judged by both) where
 *   their own labels agree (a judge's label: its majority in each order, a tie when its two
 *   orders disagree), with Cohen's kappa; the mean over pairs;
 * - length correlation: Pearson's r between "A won" (1/0, decisive rows) and characters of A − B
 *   (point-biserial): positive when the judge tends to pick the longer answer;
 * - length-controlled win rate: see lengthControl.ts;
 * - human labels, where rows carry them: the judge's accuracy (same label) and Cohen's kappa.
 */
import type { Verdict } from '../tasks/judgeTypes';
import { agreementRate, cohenKappa, majorityVerdict, VERDICTS } from './agreement';
import type { JudgedRow } from './judgedRows';
import { lengthControlledWinRate, type LengthControlledFit } from './lengthControl';

export interface JudgePairAgreement {
  readonly judges: readonly [string, string];
  readonly rows: number;
  readonly agreement: number | undefined;
  readonly kappa: number | undefined;
}

export interface JudgeReport {
  /** Rows with a judgement. */
  readonly rows: number;
  readonly counts: Readonly<Record<Verdict, number>>;
  /** Shares of `rows`. */
  readonly winRateA: number | undefined;
  readonly winRateB: number | undefined;
  readonly tieRate: number | undefined;
  /** A's wins over decisive rows (ties left out): what the length-controlled rate compares with. */
  readonly decisiveWinRateA: number | undefined;
  readonly bothOrders: number;
  readonly positionFlipRate: number | undefined;
  readonly sampleAgreement: number | undefined;
  readonly judges: readonly string[];
  readonly judgeAgreement: { readonly mean: number | undefined; readonly pairs: readonly JudgePairAgreement[] };
  readonly lengthCorrelation: number | undefined;
  readonly lengthControlled: LengthControlledFit | undefined;
  readonly human: {
    readonly rows: number;
    readonly accuracy: number | undefined;
    readonly kappa: number | undefined;
    /** confusion[judge][human]: rows with that pair of labels. */
    readonly confusion: Readonly<Record<Verdict, Readonly<Record<Verdict, number>>>>;
  };
}

export function judgeReport(rows: readonly JudgedRow[]): JudgeReport {
  const n = rows.length;
  const share = (count: number, whole: number): number | undefined => (whole > 0 ? count / whole : undefined);
  const counts = { A: 0, B: 0, tie: 0 };
  for (const row of rows) counts[row.judgement.winner]++;

  const both = rows.filter((row) => hasBothOrders(row.judgement.samples));
  const flipped = both.filter((row) => !row.judgement.positionConsistent).length;

  const decisive = rows.filter((row) => row.judgement.winner !== 'tie');
  const lengthCorrelation = pearson(decisive.map((row) => (row.judgement.winner === 'A' ? 1 : 0)), decisive.map((row) => row.judgement.lengthDifference));
  const lengthControlled = lengthControlledWinRate(decisive.map((row) => ({ aWon: row.judgement.winner === 'A', lengthDifference: row.judgement.lengthDifference })));

  const labelled = rows.filter((row): row is JudgedRow & { human: NonNullable<JudgedRow['human']> } => row.human !== undefined);
  const judgeLabels = labelled.map((row) => row.judgement.winner);
  const humanLabels = labelled.map((row) => row.human.winner);
  const confusion = Object.fromEntries(VERDICTS.map((j) => [j, Object.fromEntries(VERDICTS.map((h) => [h, 0]))])) as Record<Verdict, Record<Verdict, number>>;
  labelled.forEach((row) => confusion[row.judgement.winner][row.human.winner]++);

  return {
    rows: n,
    counts,
    winRateA: share(counts.A, n),
    winRateB: share(counts.B, n),
    tieRate: share(counts.tie, n),
    decisiveWinRateA: share(counts.A, counts.A + counts.B),
    bothOrders: both.length,
    positionFlipRate: share(flipped, both.length),
    sampleAgreement: n > 0 ? rows.reduce((sum, row) => sum + row.judgement.agreement, 0) / n : undefined,
    ...acrossJudges(rows),
    lengthCorrelation,
    lengthControlled,
    human: { rows: labelled.length, accuracy: agreementRate(judgeLabels, humanLabels), kappa: cohenKappa(judgeLabels, humanLabels), confusion },
  };
}

function hasBothOrders(samples: JudgedRow['judgement']['samples']): boolean {
  return samples.some((s) => s.order === 'AB') && samples.some((s) => s.order === 'BA');
}

/** One judge's own label on a row: its majority in each order; a tie when its orders disagree. */
export function judgeLabel(samples: JudgedRow['judgement']['samples'], judge: string): Verdict | undefined {
  const own = samples.filter((s) => s.judge === judge);
  const inOrder = (order: 'AB' | 'BA') => majorityVerdict(own.filter((s) => s.order === order).map((s) => s.verdict));
  const ab = inOrder('AB');
  const ba = inOrder('BA');
  if (ab !== undefined && ba !== undefined) return ab === ba ? ab : 'tie';
  return ab ?? ba;
}

function acrossJudges(rows: readonly JudgedRow[]): Pick<JudgeReport, 'judges' | 'judgeAgreement'> {
  const judges = [...new Set(rows.flatMap((row) => row.judgement.samples.map((s) => s.judge)))].sort();
  const pairs: JudgePairAgreement[] = [];
  for (let x = 0; x < judges.length; x++) {
    for (let y = x + 1; y < judges.length; y++) {
      const first = judges[x] as string;
      const second = judges[y] as string;
      const a: Verdict[] = [];
      const b: Verdict[] = [];
      for (const row of rows) {
        const la = judgeLabel(row.judgement.samples, first);
        const lb = judgeLabel(row.judgement.samples, second);
        if (la !== undefined && lb !== undefined) {
          a.push(la);
          b.push(lb);
        }
      }
      pairs.push({ judges: [first, second], rows: a.length, agreement: agreementRate(a, b), kappa: cohenKappa(a, b) });
    }
  }
  const measured = pairs.flatMap((p) => (p.agreement === undefined ? [] : [p.agreement]));
  return { judges, judgeAgreement: { mean: measured.length > 0 ? measured.reduce((s, v) => s + v, 0) / measured.length : undefined, pairs } };
}

/** Pearson's r; undefined with fewer than 2 values or when either side does not vary. */
export function pearson(xs: readonly number[], ys: readonly number[]): number | undefined {
  const n = xs.length;
  if (n < 2 || ys.length !== n) return undefined;
  const mx = xs.reduce((s, v) => s + v, 0) / n;
  const my = ys.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : undefined;
}
