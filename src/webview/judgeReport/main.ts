import type { Verdict } from '../../core/tasks/judgeTypes';
import { barChart, destroyCharts, recolourCharts, type BarSeries } from '../statistics/charts';
import { element, vscodeApi } from '../vscodeApi';
import type { RankingReport } from '../../core/judging/rankingReport';
import type { HostMessage, JudgeReportView, WebviewMessage, WebviewState } from './protocol';

const vscode = vscodeApi<WebviewMessage, WebviewState>();
const root = document.getElementById('root') as HTMLElement;

const n = (value: number) => value.toLocaleString('en-US');
const pct = (value: number | undefined) => (value === undefined ? '–' : `${(value * 100).toFixed(1)}%`);
const num = (value: number | undefined, digits = 2) => (value === undefined ? '–' : value.toFixed(digits));
/** Percent for a chart: one decimal, 0 when undefined (the table says "–"). */
const chartPct = (value: number | undefined) => (value === undefined ? 0 : Math.round(value * 1000) / 10);
const VERDICT_LABELS: Record<Verdict, string> = { A: 'A wins', B: 'B wins', tie: 'Ties' };
const VERDICTS: readonly Verdict[] = ['A', 'B', 'tie'];

function section(title: string, id: string): HTMLElement {
  const node = element('section', undefined, { id, 'aria-labelledby': `${id}-title` });
  node.append(element('h2', title, { id: `${id}-title` }));
  return node;
}

/** A table of text cells; the first cell of each row is its header. */
function table(id: string, header: readonly string[], rows: readonly (readonly string[])[]): HTMLTableElement {
  const node = element('table', undefined, { id });
  const head = element('tr');
  for (const cell of header) head.append(element('th', cell, { scope: 'col' }));
  node.append(head);
  for (const cells of rows) {
    const row = element('tr');
    cells.forEach((cell, i) => row.append(i === 0 ? element('th', cell, { scope: 'row' }) : element('td', cell, { class: 'number' })));
    node.append(row);
  }
  return node;
}

/** A chart with its numbers twice over: in the canvas's label, and in a table under a disclosure. */
function chartFigure(id: string, title: string, labels: readonly string[], series: readonly BarSeries[], axis: { x: string; y: string }, after: Array<() => void>): HTMLElement {
  const figure = element('figure', undefined, { class: 'chart', id });
  const summary = series.map((s) => `${s.label}: ${labels.map((label, i) => `${label}: ${s.values[i] ?? 0}`).join(', ')}`).join('; ');
  const box = element('div', undefined, { class: 'chart-box' });
  const canvas = element('canvas', undefined, { role: 'img', 'aria-label': `${title}. ${summary}` });
  box.append(canvas);
  const details = element('details');
  details.append(element('summary', `${title}: the numbers`));
  details.append(table(`${id}-table`, [axis.x, ...series.map((s) => s.label)], labels.map((label, i) => [label, ...series.map((s) => String(s.values[i] ?? 0))])));
  figure.append(element('figcaption', title), box, details);
  after.push(() => barChart(canvas, labels, series, axis));
  return figure;
}

function refreshButton(): HTMLElement {
  const refresh = element('button', 'Refresh', { type: 'button', class: 'secondary' });
  refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  return refresh;
}

/** The sections over pair verdicts (`distillery.judgement`). */
function pairSections(view: JudgeReportView, drawCharts: Array<() => void>): HTMLElement[] {
  const r = view.report;
  const parts: HTMLElement[] = [];
  // Headline numbers: each cell carries its raw value for tests and copy-paste.
  const lc = r.lengthControlled;
  const headline: Array<[string, string, string, number | undefined]> = [
    ['rows', 'Judged rows', n(r.rows), r.rows],
    ['unjudged', 'Rows without a judgement (skipped)', n(view.unjudged), view.unjudged],
    ['winRateA', 'A wins', pct(r.winRateA), r.winRateA],
    ['winRateB', 'B wins', pct(r.winRateB), r.winRateB],
    ['tieRate', 'Ties', pct(r.tieRate), r.tieRate],
    ['decisiveWinRateA', 'A wins among decisive rows (ties left out)', pct(r.decisiveWinRateA), r.decisiveWinRateA],
    ['positionFlipRate', `Position flips (of ${n(r.bothOrders)} rows judged in both orders)`, pct(r.positionFlipRate), r.positionFlipRate],
    ['sampleAgreement', 'Agreement across samples', pct(r.sampleAgreement), r.sampleAgreement],
    ['judgeAgreement', `Agreement across judges (${r.judges.length} judge${r.judges.length === 1 ? '' : 's'})`, pct(r.judgeAgreement.mean), r.judgeAgreement.mean],
    ['lengthCorrelation', 'Length correlation (r: A won vs characters of A − B)', num(r.lengthCorrelation), r.lengthCorrelation],
    ['lengthControlledWinRate', 'Length-controlled win rate of A', pct(lc?.winRate), lc?.winRate],
    ['lengthBeta', 'Length weight β (positive: favours the longer answer)', num(lc?.beta), lc?.beta],
  ];
  if (r.human.rows > 0) {
    headline.push(['humanAccuracy', `Accuracy against human labels (${n(r.human.rows)} rows)`, pct(r.human.accuracy), r.human.accuracy]);
    headline.push(['humanKappa', "Cohen's kappa against human labels", num(r.human.kappa), r.human.kappa]);
  }
  const overview = element('table', undefined, { id: 'headline' });
  for (const [key, label, text, value] of headline) {
    const row = element('tr');
    row.append(element('th', label, { scope: 'row' }), element('td', text, { class: 'number', 'data-stat': key, 'data-value': value === undefined ? '' : String(value) }));
    overview.append(row);
  }
  parts.push(overview);
  if (lc && !lc.converged) parts.push(element('p', 'The length-controlled fit did not converge: read its numbers with care.', { class: 'note' }));

  // Verdicts.
  const verdicts = section('Verdicts', 'verdicts-section');
  verdicts.append(chartFigure('verdicts-chart', 'Rows by verdict', VERDICTS.map((v) => VERDICT_LABELS[v]), [{ label: 'Rows', values: VERDICTS.map((v) => r.counts[v]) }], { x: 'verdict', y: 'rows' }, drawCharts));
  parts.push(verdicts);

  // Length bias.
  const length = section('Length', 'length-section');
  if (lc) {
    length.append(
      element('p', `Fitted on ${n(lc.n)} decisive verdicts: P(A wins) = σ(θ + β·tanh(Δlen / ${n(Math.round(lc.scale))})), θ = ${num(lc.theta)}, β = ${num(lc.beta)}. The length-controlled rate is σ(θ): the win rate if both answers were the same length.`, { class: 'note' }),
      chartFigure('winrate-chart', 'Win rate of A: raw vs length-controlled (%)', ['Raw (decisive rows)', 'Length-controlled'], [{ label: 'A win rate (%)', values: [chartPct(lc.rawWinRate), chartPct(lc.winRate)] }], { x: 'win rate', y: '%' }, drawCharts),
    );
  } else {
    length.append(element('p', 'Too few decisive verdicts to fit a length-controlled win rate.', { class: 'note' }));
  }
  const buckets = view.lengthBuckets.filter((b) => b.counts.A + b.counts.B + b.counts.tie > 0);
  length.append(
    chartFigure(
      'length-chart',
      'Verdicts by length difference (characters of A − B)',
      buckets.map((b) => b.label),
      VERDICTS.map((v) => ({ label: VERDICT_LABELS[v], values: buckets.map((b) => b.counts[v]) })),
      { x: 'Δlen (characters)', y: 'rows' },
      drawCharts,
    ),
  );
  parts.push(length);

  // Judges.
  if (r.judgeAgreement.pairs.length > 0) {
    const judges = section('Agreement between judges', 'judges-section');
    judges.append(table('judge-pairs', ['Judges', 'Rows', 'Agreement', 'Kappa'], r.judgeAgreement.pairs.map((p) => [`${p.judges[0]} · ${p.judges[1]}`, n(p.rows), pct(p.agreement), num(p.kappa)])));
    parts.push(judges);
  }

  // Human labels.
  if (r.human.rows > 0) {
    const human = section('Judge vs human labels', 'human-section');
    human.append(
      element('p', 'Rows: the judge\u2019s label; columns: the human\u2019s.', { class: 'note' }),
      table('confusion', ['Judge \\ human', ...VERDICTS.map((v) => VERDICT_LABELS[v])], VERDICTS.map((j) => [VERDICT_LABELS[j], ...VERDICTS.map((h) => n(r.human.confusion[j][h]))])),
    );
    parts.push(human);
  }
  return parts;
}

/** N-way judging: the matches of the rows' tournaments (`distillery.ranking`). `unjudged` when no pair section says it. */
function rankingSection(k: RankingReport, unjudged: number | undefined): HTMLElement {
  const node = section('N-way rankings', 'ranking-section');
  const answers = k.answers.min === k.answers.max ? n(k.answers.min) : `${n(k.answers.min)}–${n(k.answers.max)} (mean ${num(k.answers.mean, 1)})`;
  const cells: Array<[string, string, string]> = [
    ['rankedRows', 'Ranked rows', `${n(k.rows)} (${n(k.formats['round-robin'])} round-robin, ${n(k.formats.swiss)} Swiss)`],
    ...(unjudged !== undefined ? [['unjudged', 'Rows neither judged nor ranked (skipped)', n(unjudged)] as [string, string, string]] : []),
    ['answersPerRow', 'Answers per row', answers],
    ['matches', 'Matches judged', n(k.matches)],
    ['matchTieRate', 'Ties among matches', pct(k.tieRate)],
    ['matchFlipRate', 'Position flips among matches', pct(k.positionFlipRate)],
    ['matchAgreement', 'Agreement across samples', pct(k.sampleAgreement)],
    ['topGap', 'Rating gap, best to second (mean, Elo points)', num(k.meanTopGap, 1)],
    ['selfPreferenceRows', 'Rows where a judge\u2019s model wrote one of the answers', n(k.selfPreferenceRows)],
  ];
  const rows = element('table', undefined, { id: 'ranking' });
  for (const [key, label, text] of cells) {
    const row = element('tr');
    row.append(element('th', label, { scope: 'row' }), element('td', text, { class: 'number', 'data-stat': key }));
    rows.append(row);
  }
  node.append(rows);
  return node;
}

function renderReport(view: JudgeReportView): void {
  destroyCharts();
  const r = view.report;
  const drawCharts: Array<() => void> = [];
  const parts: HTMLElement[] = [element('h1', view.fileName)];

  if (r.rows > 0) parts.push(...pairSections(view, drawCharts));
  if (view.ranking) parts.push(rankingSection(view.ranking, view.report.rows === 0 ? view.unjudged : undefined));

  // Problems.
  if (view.problemCount > 0) {
    const problems = section('Rows skipped', 'problems-section');
    const list = element('ul', undefined, { class: 'problems' });
    for (const p of view.problems) {
      const button = element('button', `Line ${p.line}, column ${p.column}: ${p.message}`, { type: 'button' });
      button.addEventListener('click', () => vscode.postMessage({ type: 'revealLine', line: p.line, column: p.column }));
      const item = element('li');
      item.append(button);
      list.append(item);
    }
    problems.append(list);
    if (view.problemCount > view.problems.length) problems.append(element('p', `… and ${n(view.problemCount - view.problems.length)} more.`));
    parts.push(problems);
  }

  parts.push(refreshButton());
  root.replaceChildren(...parts);
  root.removeAttribute('aria-busy');
  // Charts measure their containers, so they are drawn once the page is in the document.
  for (const draw of drawCharts) draw();
}

function renderError(message: string): void {
  destroyCharts();
  root.removeAttribute('aria-busy');
  root.replaceChildren(element('p', message, { class: 'error', role: 'alert' }), refreshButton());
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'report':
      vscode.setState({ view: message.view, uri: message.uri });
      renderReport(message.view);
      break;
    case 'error':
      vscode.setState({ uri: message.uri });
      renderError(message.message);
      break;
  }
});

// VS Code changes the body's class (and the CSS variables) with the colour theme: redraw the charts in the new colours.
new MutationObserver(() => recolourCharts()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

const restored = vscode.getState()?.view;
if (restored?.report) renderReport(restored);
vscode.postMessage({ type: 'ready' });
