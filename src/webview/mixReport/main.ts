import { barChart, destroyCharts, recolourCharts, type BarSeries } from '../statistics/charts';
import { element, vscodeApi } from '../vscodeApi';
import type { DiversityData, HostMessage, MixReportShown, MixReportTarget, MixReportView, WebviewMessage, WebviewState } from './protocol';

const vscode = vscodeApi<WebviewMessage, WebviewState>();
const root = document.getElementById('root') as HTMLElement;
let shown: MixReportView | undefined;

const n = (value: number) => value.toLocaleString('en-US');
const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const fixed = (value: number) => value.toFixed(3);
const decimal = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 1 });
/** Percent for a chart: one decimal. */
const chartPct = (value: number) => Math.round(value * 1000) / 10;

function section(title: string, id: string): HTMLElement {
  const node = element('section', undefined, { id, 'aria-labelledby': `${id}-title` });
  node.append(element('h2', title, { id: `${id}-title` }));
  return node;
}

/** A table of text cells; the first cell of each row is its header. */
function table(id: string, header: readonly string[], rows: readonly (readonly string[])[], attributes?: (row: number) => Record<string, string>): HTMLTableElement {
  const node = element('table', undefined, { id });
  const head = element('tr');
  for (const cell of header) head.append(element('th', cell, { scope: 'col' }));
  node.append(head);
  rows.forEach((cells, index) => {
    const row = element('tr', undefined, attributes?.(index) ?? {});
    cells.forEach((cell, i) => row.append(i === 0 ? element('th', cell, { scope: 'row' }) : element('td', cell, { class: 'number' })));
    node.append(row);
  });
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

function button(text: string, id: string, message: WebviewMessage, primary = false): HTMLElement {
  const node = element('button', text, { type: 'button', id, class: primary ? 'primary' : 'secondary' });
  node.addEventListener('click', () => vscode.postMessage(message));
  return node;
}

function actions(view: MixReportView | undefined): HTMLElement {
  const bar = element('div', undefined, { class: 'actions' });
  bar.append(button(view?.sourceName === undefined ? 'Compare with…' : 'Compare with another…', 'compare', { type: 'compare' }, true));
  if (view?.sourceName !== undefined) bar.append(button('Clear comparison', 'clear-comparison', { type: 'clearComparison' }));
  bar.append(button('Refresh', 'refresh', { type: 'refresh' }));
  return bar;
}

function thresholdNote(view: MixReportView): string {
  const t = view.thresholds;
  const parts = [
    t.maxTeacherShare === undefined ? 'no teacher-share limit' : `one teacher at most ${pct(t.maxTeacherShare)}`,
    t.maxSyntheticShare === undefined ? 'no synthetic-share limit' : `synthetic rows at most ${pct(t.maxSyntheticShare)}`,
  ];
  if (view.sourceName !== undefined) parts.push(`distinct-n may fall by at most ${t.maxDistinctDrop ?? 0.05} against the source`);
  return `Checked against: ${parts.join('; ')} (settings distillery.mix.*).`;
}

function diversityRows(d: DiversityData): string[][] {
  return [
    ['Answers', n(d.answers)],
    ['Distinct-1', fixed(d.distinct1)],
    ['Distinct-2', fixed(d.distinct2)],
    ['Distinct-3', fixed(d.distinct3)],
    ['Near-duplicate rate', pct(d.nearDuplicateRate)],
  ];
}

function renderReport(view: MixReportView): void {
  shown = view;
  destroyCharts();
  const r = view.report;
  const drawCharts: Array<() => void> = [];
  const parts: HTMLElement[] = [element('h1', view.fileName)];
  if (view.sourceName !== undefined) parts.push(element('p', `Compared with the source dataset ${view.sourceName}.`, { id: 'source', class: 'note', 'data-value': view.sourceName }));
  parts.push(actions(view));

  // Warnings first: they are the point of the report.
  const warnings = section(r.warnings.length === 0 ? 'No warnings' : `${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}`, 'warnings-section');
  if (r.warnings.length > 0) {
    warnings.classList.add('has-warnings');
    warnings.setAttribute('role', 'alert');
    const list = element('ul', undefined, { id: 'warnings' });
    for (const warning of r.warnings) list.append(element('li', warning.message, { 'data-code': warning.code }));
    warnings.append(list);
  }
  warnings.append(element('p', thresholdNote(view), { class: 'note' }));
  for (const problem of view.settingProblems ?? []) warnings.append(element('p', problem, { class: 'error setting-problem' }));
  parts.push(warnings);

  const overview = element('p', `${n(r.rows)} rows${view.skippedLines > 0 ? `; ${n(view.skippedLines)} lines that are not JSON objects were skipped` : ''}.`, { id: 'rows', 'data-value': String(r.rows) });
  parts.push(overview);

  // Human vs synthetic.
  const p = r.provenance;
  const unknownShare = r.rows === 0 ? 0 : p.unknown / r.rows;
  const mix = section('Human and synthetic rows', 'mix-section');
  mix.append(
    element('p', 'From each row\u2019s "distillery" metadata: provenance "human" or "synthetic". Rows without it are unknown.', { class: 'note' }),
    table(
      'provenance',
      ['', 'Rows', 'Share'],
      [
        ['Human', n(p.human), pct(r.humanShare)],
        ['Synthetic', n(p.synthetic), pct(r.syntheticShare)],
        ['Unknown', n(p.unknown), pct(unknownShare)],
      ],
      (i) => ({ 'data-provenance': ['human', 'synthetic', 'unknown'][i] ?? '' }),
    ),
    chartFigure('mix-chart', 'Share of rows by provenance (%)', ['Human', 'Synthetic', 'Unknown'], [{ label: 'Share of rows (%)', values: [chartPct(r.humanShare), chartPct(r.syntheticShare), chartPct(unknownShare)] }], { x: 'provenance', y: '%' }, drawCharts),
  );
  parts.push(mix);

  // Teachers.
  const teachers = section('Rows by teacher model', 'teachers-section');
  if (r.teachers.length === 0) {
    teachers.append(element('p', 'No row names its teacher model ("distillery".teacher).', { class: 'note' }));
  } else {
    teachers.append(
      table('teachers', ['Teacher', 'Rows', 'Share of all rows'], r.teachers.map((t) => [t.teacher, n(t.rows), pct(t.share)]), (i) => ({ 'data-teacher': r.teachers[i]?.teacher ?? '' })),
      chartFigure('teachers-chart', 'Share of rows by teacher (%)', r.teachers.map((t) => t.teacher), [{ label: 'Share of rows (%)', values: r.teachers.map((t) => chartPct(t.share)) }], { x: 'teacher', y: '%' }, drawCharts),
    );
  }
  parts.push(teachers);

  // Diversity.
  const diversity = section('Diversity of the answers', 'diversity-section');
  diversity.append(element('p', 'Distinct-n: unique word n-grams over all n-grams of the answers (the chosen one of a preference pair). Near-duplicates: answers at least 80% similar (MinHash) to an earlier one.', { class: 'note' }));
  const fileRows = diversityRows(r.diversity);
  if (r.source) {
    const sourceRows = diversityRows(r.source);
    diversity.append(table('diversity', ['', view.fileName, `Source: ${view.sourceName ?? ''}`], fileRows.map((row, i) => [row[0] ?? '', row[1] ?? '', sourceRows[i]?.[1] ?? ''])));
  } else {
    diversity.append(table('diversity', ['', view.fileName], fileRows));
  }
  if (r.comparison) {
    const c = r.comparison;
    diversity.append(
      element('h3', `Compared on ${n(c.answers)} answers each`),
      element('p', 'Distinct-n falls as a set grows, so the larger set is sampled down to the smaller one\u2019s size before comparing.', { class: 'note' }),
      table('comparison', ['', 'This file', 'Source', 'Change'], c.distinct.map((d) => [`Distinct-${d.n}`, fixed(d.file), fixed(d.source), `${d.file - d.source >= 0 ? '+' : ''}${fixed(d.file - d.source)}`])),
      chartFigure('comparison-chart', 'Distinct-n: this file vs the source', c.distinct.map((d) => `distinct-${d.n}`), [
        { label: 'This file', values: c.distinct.map((d) => Number(fixed(d.file))) },
        { label: 'Source', values: c.distinct.map((d) => Number(fixed(d.source))) },
      ], { x: 'measure', y: 'distinct share' }, drawCharts),
    );
  }
  parts.push(diversity);

  // Length spread.
  const lengths = section('Answer length (characters)', 'length-section');
  const spreads = [{ label: 'This file', spread: r.diversity.answerLength }, ...(r.source ? [{ label: 'Source', spread: r.source.answerLength }] : [])];
  const measures = ['p10', 'median', 'mean', 'p90'] as const;
  lengths.append(
    table('lengths', ['', ...measures, 'sd'], spreads.map((s) => [s.label, ...measures.map((m) => decimal(s.spread[m])), decimal(s.spread.sd)])),
    chartFigure('length-chart', 'Answer length spread (characters)', [...measures], spreads.map((s) => ({ label: s.label, values: measures.map((m) => Math.round(s.spread[m])) })), { x: 'measure', y: 'characters' }, drawCharts),
  );
  parts.push(lengths);

  root.replaceChildren(...parts);
  root.removeAttribute('aria-busy');
  // Charts measure their containers, so they are drawn once the page is in the document.
  for (const draw of drawCharts) draw();
  vscode.postMessage({ type: 'rendered', shown: readBack() });
}

/** What the page shows, read from the page itself (not from the view it was made from). */
function readBack(): MixReportShown {
  const text = (selector: string) => document.querySelector(selector)?.textContent ?? '';
  const share = (provenance: string) => text(`#provenance tr[data-provenance="${provenance}"] td:last-child`);
  return {
    fileName: text('h1'),
    sourceName: document.getElementById('source')?.getAttribute('data-value') ?? undefined,
    rows: Number(document.getElementById('rows')?.getAttribute('data-value') ?? NaN),
    shares: { human: share('human'), synthetic: share('synthetic'), unknown: share('unknown') },
    teachers: [...document.querySelectorAll('#teachers tr[data-teacher] th')].map((cell) => cell.textContent ?? ''),
    warnings: [...document.querySelectorAll('#warnings li')].map((item) => item.textContent ?? ''),
  };
}

function renderComputing(fileName: string, stage: string, fraction: number | undefined): void {
  root.setAttribute('aria-busy', 'true');
  const label = `${stage}${fraction === undefined ? '' : ` (${Math.floor(fraction * 100)}%)`}…`;
  let status = document.getElementById('computing');
  if (!status) {
    status = element('div', undefined, { id: 'computing', role: 'status' });
    if (shown) root.prepend(status);
    else root.replaceChildren(element('h1', fileName), status);
  }
  const progress = element('progress', undefined, { max: '1', 'aria-label': label });
  if (fraction !== undefined) progress.setAttribute('value', String(fraction));
  status.replaceChildren(element('span', shown ? `Updating: ${label}` : `Computing the mix report of ${fileName}: ${label}`), progress);
}

function renderError(message: string): void {
  shown = undefined;
  destroyCharts();
  root.removeAttribute('aria-busy');
  root.replaceChildren(element('p', message, { class: 'error', role: 'alert' }), actions(undefined));
}

function remember(target: MixReportTarget, view?: MixReportView): void {
  vscode.setState({ target, ...(view ? { view } : {}) });
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'report':
      remember(message.target, message.view);
      renderReport(message.view);
      break;
    case 'computing':
      if (vscode.getState()?.target?.uri !== message.target.uri || vscode.getState()?.target?.sourceUri !== message.target.sourceUri) remember(message.target);
      renderComputing(message.fileName, message.stage, message.fraction);
      break;
    case 'error':
      renderError(message.message);
      break;
  }
});

// VS Code changes the body's class (and the CSS variables) with the colour theme: redraw the charts in the new colours.
new MutationObserver(() => recolourCharts()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

const restored = vscode.getState()?.view;
if (restored?.report) renderReport(restored);
vscode.postMessage({ type: 'ready' });
