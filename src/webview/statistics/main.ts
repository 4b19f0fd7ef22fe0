import { binLabel, TEXT_FIELD_LABELS, TEXT_FIELDS, type DistributionReport, type HistogramBin, type TextField } from '../../core/statistics/report';
import { element, vscodeApi } from '../vscodeApi';
import { barChart, destroyCharts, recolourCharts, type BarSeries } from './charts';
import type { DatasetStatisticsView, HostMessage, WebviewMessage, WebviewState } from './protocol';

const vscode = vscodeApi<WebviewMessage, WebviewState>();
const root = document.getElementById('root') as HTMLElement;
let shown: DatasetStatisticsView | undefined;

const n = (value: number) => value.toLocaleString('en-US');
const decimal = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 1 });
const share = (part: number, whole: number) => (whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '–');

function section(title: string, id: string): HTMLElement {
  const node = element('section', undefined, { id, 'aria-labelledby': `${id}-title` });
  node.append(element('h2', title, { id: `${id}-title` }));
  return node;
}

/** A table of text cells; the first cell of each row is its header. */
function table(id: string, caption: string | undefined, header: readonly string[], rows: readonly (readonly string[])[], attributes?: (row: number) => Record<string, string>): HTMLTableElement {
  const node = element('table', undefined, { id });
  if (caption) node.append(element('caption', caption));
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

function lineButton(text: string, line: number, column: number): HTMLElement {
  const button = element('button', text, { type: 'button' });
  button.addEventListener('click', () => vscode.postMessage({ type: 'revealLine', line, column }));
  const item = element('li');
  item.append(button);
  return item;
}

const DISTRIBUTION_HEADER = ['', 'rows', 'min', 'median', 'mean', 'p90', 'p99', 'max'];
function distributionCells(label: string, d: DistributionReport): string[] {
  return [label, n(d.count), n(d.min), n(d.p50), decimal(d.mean), n(d.p90), n(d.p99), n(d.max)];
}

/** Series over the union of their bins (all share the same fixed edges). */
function alignBins(series: readonly { label: string; bins: readonly HistogramBin[] }[]): { labels: string[]; series: BarSeries[] } {
  const edges = new Map<number, HistogramBin>();
  for (const s of series) for (const bin of s.bins) edges.set(bin.from, bin);
  const bins = [...edges.values()].sort((a, b) => a.from - b.from);
  return {
    labels: bins.map(binLabel),
    series: series.map((s) => ({ label: s.label, values: bins.map((bin) => s.bins.find((b) => b.from === bin.from)?.count ?? 0) })),
  };
}

/** A chart with its numbers twice over: in the canvas's label, and in a table under a disclosure. */
function chartFigure(id: string, title: string, data: { labels: string[]; series: BarSeries[] }, axis: { x: string; y: string }, after: Array<() => void>): HTMLElement {
  const figure = element('figure', undefined, { class: 'chart', id });
  const summary = data.series.map((s) => `${s.label}: ${data.labels.map((label, i) => `${label} ${axis.x}: ${n(s.values[i] ?? 0)}`).join(', ')}`).join('; ');
  const box = element('div', undefined, { class: 'chart-box' });
  const canvas = element('canvas', undefined, { role: 'img', 'aria-label': `${title}. ${summary}` });
  box.append(canvas);
  const details = element('details');
  details.append(element('summary', `${title}: the numbers`));
  details.append(table(`${id}-table`, undefined, [axis.x, ...data.series.map((s) => s.label)], data.labels.map((label, i) => [label, ...data.series.map((s) => n(s.values[i] ?? 0))])));
  figure.append(element('figcaption', title), box, details);
  after.push(() => barChart(canvas, data.labels, data.series, axis));
  return figure;
}

function renderStatistics(statistics: DatasetStatisticsView): void {
  shown = statistics;
  destroyCharts();
  const report = statistics.report;
  const drawCharts: Array<() => void> = [];
  const parts: HTMLElement[] = [element('h1', statistics.fileName)];
  if (statistics.format === 'json-array') parts.push(element('p', 'A JSON array: each element is a row; lines are where elements start.', { class: 'note' }));

  const overview = element('table', undefined, { id: 'stats' });
  const overviewRows: Array<[string, string, number]> = [
    ['rows', 'Rows', statistics.rows],
    ['blank', 'Blank lines', statistics.blank],
    ['malformed', 'Malformed rows', statistics.malformed],
    ['bytes', 'Bytes', statistics.bytes],
    ['duplicates', 'Exact duplicate rows', report.duplicates.rows],
    ['distinct', 'Distinct rows', report.duplicates.distinct],
  ];
  if (report.unreadable > 0) overviewRows.push(['unreadable', 'Rows whose fields cannot be read', report.unreadable]);
  for (const [key, label, value] of overviewRows) {
    const row = element('tr');
    row.append(element('th', label, { scope: 'row' }), element('td', n(value), { 'data-stat': key, 'data-value': String(value) }));
    overview.append(row);
  }
  parts.push(overview);
  if (statistics.lastLineUnterminated) {
    parts.push(element('p', 'The last line has no newline: it may have been cut off while being written.', { class: 'note' }));
  }

  // Kinds.
  const kinds = section('Rows by kind', 'kinds-section');
  kinds.append(
    element('p', `Dominant kind: ${report.dominantKindLabel}${report.mixedKinds ? ' (the file mixes kinds)' : ''}.`),
    table('kinds', undefined, ['Kind', 'Rows', 'Share'], report.kinds.map((k) => [k.label, n(k.rows), share(k.rows, report.rows)]), (i) => ({ 'data-kind': report.kinds[i]?.kind ?? '', 'data-value': String(report.kinds[i]?.rows ?? 0) })),
  );
  parts.push(kinds);

  // Duplicates.
  if (report.duplicates.rows > 0) {
    const duplicates = section('Exact duplicates', 'duplicates-section');
    duplicates.append(element('p', `${n(report.duplicates.rows)} rows repeat an earlier row (same JSON value, whatever the key order or spacing).`));
    const list = element('ul', undefined, { class: 'problems' });
    for (const d of report.duplicates.examples) list.append(lineButton(`Line ${n(d.line)} repeats line ${n(d.sameAs)}`, d.line, 1));
    duplicates.append(list);
    if (report.duplicates.rows > report.duplicates.examples.length) duplicates.append(element('p', `… and ${n(report.duplicates.rows - report.duplicates.examples.length)} more.`));
    parts.push(duplicates);
  }

  // Turns.
  if (report.turns.count > 0) {
    const turns = section('Turns per row', 'turns-section');
    turns.append(table('turns', undefined, DISTRIBUTION_HEADER, [distributionCells('Turns', report.turns)]));
    turns.append(chartFigure('turns-chart', 'Rows by number of turns', alignBins([{ label: 'Rows', bins: report.turns.bins }]), { x: 'turns', y: 'rows' }, drawCharts));
    parts.push(turns);
  }

  // Tokens.
  const fields = TEXT_FIELDS.filter((field): field is TextField => report.lengths[field] !== undefined);
  if (report.tokens) {
    const t = report.tokens;
    const tokens = section('Tokens', 'tokens-section');
    const how = t.exact ? 'exact' : 'approximate';
    tokens.append(element('p', `Encoding ${t.encoding} (${how}): ${t.reason}.`, { id: 'token-encoding', 'data-encoding': t.encoding, 'data-exact': String(t.exact) }));
    if (t.sampled) tokens.append(element('p', `Tokens estimated from ${n(t.countedRows)} sampled rows (every ${n(t.sampleEvery)}th); totals are scaled up.`, { class: 'note' }));
    tokens.append(
      table(
        'tokens',
        undefined,
        [...DISTRIBUTION_HEADER, 'total'],
        fields.flatMap((field) => {
          const d = report.lengths[field]?.tokens;
          return d ? [[...distributionCells(TEXT_FIELD_LABELS[field], d), n(t.totals[field] ?? 0)]] : [];
        }),
      ),
      element('p', `Total: ${n(t.totals.all)} tokens (content only; chat templates add a few per turn).`, { 'data-stat': 'tokens', 'data-value': String(t.totals.all) }),
    );
    parts.push(tokens);
  }

  // Lengths.
  if (fields.length > 0) {
    const lengths = section('Length distributions', 'lengths-section');
    lengths.append(table('characters', 'Characters', DISTRIBUTION_HEADER, fields.map((field) => distributionCells(TEXT_FIELD_LABELS[field], report.lengths[field]?.characters as DistributionReport))));
    lengths.append(chartFigure('characters-chart', 'Rows by length in characters', alignBins(fields.map((field) => ({ label: TEXT_FIELD_LABELS[field], bins: report.lengths[field]?.characters.bins ?? [] }))), { x: 'characters', y: 'rows' }, drawCharts));
    const withTokens = fields.filter((field) => report.lengths[field]?.tokens !== undefined);
    if (withTokens.length > 0) {
      lengths.append(chartFigure('tokens-chart', 'Rows by length in tokens', alignBins(withTokens.map((field) => ({ label: TEXT_FIELD_LABELS[field], bins: report.lengths[field]?.tokens?.bins ?? [] }))), { x: 'tokens', y: 'rows' }, drawCharts));
    }
    parts.push(lengths);
  }

  // Provenance.
  const p = report.provenance;
  const provenance = section('Provenance', 'provenance-section');
  provenance.append(
    element('p', 'From each row\u2019s "distillery" metadata: provenance "human" or "synthetic", and the teacher model of synthetic rows. Rows without it are unknown.', { class: 'note' }),
    table(
      'provenance',
      undefined,
      ['', 'Rows', 'Share'],
      [
        ['Human', n(p.human), share(p.human, report.rows)],
        ['Synthetic', n(p.synthetic), share(p.synthetic, report.rows)],
        ['Unknown', n(p.unknown), share(p.unknown, report.rows)],
      ],
      (i) => ({ 'data-provenance': ['human', 'synthetic', 'unknown'][i] ?? '' }),
    ),
  );
  if (p.teachers.length > 0) {
    provenance.append(table('teachers', 'Synthetic rows by teacher', ['Teacher', 'Rows', 'Share of synthetic'], p.teachers.map((t) => [t.teacher, n(t.rows), share(t.rows, p.synthetic)])));
  }
  parts.push(provenance);

  // Malformed rows.
  if (statistics.problems.length > 0) {
    const malformed = section('Malformed rows', 'malformed-section');
    const list = element('ul', undefined, { class: 'problems' });
    for (const problem of statistics.problems) list.append(lineButton(`Line ${problem.line}, column ${problem.column}: ${problem.message}`, problem.line, problem.column));
    malformed.append(list);
    if (statistics.malformed > statistics.problems.length) malformed.append(element('p', `… and ${statistics.malformed - statistics.problems.length} more.`));
    parts.push(malformed);
  }

  const refresh = element('button', 'Refresh', { type: 'button', class: 'secondary' });
  refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  parts.push(refresh);
  root.replaceChildren(...parts);
  root.removeAttribute('aria-busy');
  // Charts measure their containers, so they are drawn once the page is in the document.
  for (const draw of drawCharts) draw();
}

function renderComputing(fileName: string): void {
  root.setAttribute('aria-busy', 'true');
  const status = document.getElementById('computing');
  if (shown) {
    if (!status) root.prepend(element('p', 'Updating…', { id: 'computing', class: 'note', role: 'status' }));
    return;
  }
  root.replaceChildren(element('p', `Computing the statistics of ${fileName}…`, { id: 'computing', role: 'status' }));
}

function renderError(message: string): void {
  shown = undefined;
  destroyCharts();
  root.removeAttribute('aria-busy');
  const refresh = element('button', 'Refresh', { type: 'button', class: 'secondary' });
  refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  root.replaceChildren(element('p', message, { class: 'error', role: 'alert' }), refresh);
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'statistics':
      vscode.setState({ statistics: message.statistics });
      renderStatistics(message.statistics);
      break;
    case 'computing':
      renderComputing(message.fileName);
      break;
    case 'error':
      renderError(message.message);
      break;
  }
});

// VS Code changes the body's class (and the CSS variables) with the colour theme: redraw the charts in the new colours.
new MutationObserver(() => recolourCharts()).observe(document.body, { attributes: true, attributeFilter: ['class'] });

const restored = vscode.getState()?.statistics;
// A state saved by an older version has no report.
if (restored?.report) renderStatistics(restored);
vscode.postMessage({ type: 'ready' });
