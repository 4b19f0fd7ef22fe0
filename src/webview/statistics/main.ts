import { element, vscodeApi } from '../vscodeApi';
import type { DatasetStatisticsView, HostMessage, WebviewMessage, WebviewState } from './protocol';

const vscode = vscodeApi<WebviewMessage, WebviewState>();
const root = document.getElementById('root') as HTMLElement;

function renderStatistics(statistics: DatasetStatisticsView): void {
  const heading = element('h1', statistics.fileName);
  const table = element('table', undefined, { id: 'stats' });
  const rows: Array<[string, string, number]> = [
    ['rows', 'Rows', statistics.rows],
    ['blank', 'Blank lines', statistics.blank],
    ['malformed', 'Malformed rows', statistics.malformed],
    ['bytes', 'Bytes', statistics.bytes],
  ];
  for (const [key, label, value] of rows) {
    const row = element('tr');
    row.append(element('th', label, { scope: 'row' }), element('td', value.toLocaleString('en-US'), { 'data-stat': key, 'data-value': String(value) }));
    table.append(row);
  }
  const parts: HTMLElement[] = [heading, table];
  if (statistics.lastLineUnterminated) {
    parts.push(element('p', 'The last line has no newline: it may have been cut off while being written.', { class: 'note' }));
  }
  if (statistics.problems.length > 0) {
    parts.push(element('h2', 'Malformed rows'));
    const list = element('ul', undefined, { class: 'problems' });
    for (const problem of statistics.problems) {
      const button = element('button', `Line ${problem.line}, column ${problem.column}: ${problem.message}`, { type: 'button' });
      button.addEventListener('click', () => vscode.postMessage({ type: 'revealLine', line: problem.line, column: problem.column }));
      const item = element('li');
      item.append(button);
      list.append(item);
    }
    parts.push(list);
    if (statistics.malformed > statistics.problems.length) {
      parts.push(element('p', `… and ${statistics.malformed - statistics.problems.length} more.`));
    }
  }
  const refresh = element('button', 'Refresh', { type: 'button', class: 'secondary' });
  refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
  parts.push(refresh);
  root.replaceChildren(...parts);
}

function renderError(message: string): void {
  root.replaceChildren(element('p', message, { class: 'error', role: 'alert' }));
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'statistics':
      vscode.setState({ statistics: message.statistics });
      renderStatistics(message.statistics);
      break;
    case 'error':
      renderError(message.message);
      break;
  }
});

const restored = vscode.getState()?.statistics;
if (restored) renderStatistics(restored);
vscode.postMessage({ type: 'ready' });
