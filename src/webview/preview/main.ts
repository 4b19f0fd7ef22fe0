// The row preview's page: one dataset row as a conversation. Every string from the row is set as
// text, except turn contents, which go through markdown.ts (no raw HTML, safe links, no images)
// and sanitize.ts (an allowlist rebuild). Keyboard: ArrowDown / j / n next row, ArrowUp / k / p
// previous row, d switches a preference pair between marked differences and rendered Markdown.
import { element, vscodeApi } from '../vscodeApi';
import { diffWords, type DiffSegment } from './diff';
import { renderMarkdown } from './markdown';
import type { HostMessage, NavigationView, PreviewContent, ProblemView, RowView, TurnView, WebviewMessage, WebviewState } from './protocol';
import { setSanitizedHtml } from './sanitize';

const vscode = vscodeApi<WebviewMessage, WebviewState>();
const root = document.getElementById('root') as HTMLElement;

let state: WebviewState = vscode.getState() ?? {};

function saveState(update: Partial<WebviewState>): void {
  state = { ...state, ...update };
  vscode.setState(state);
}

const ROLE_LABELS: Record<string, string> = { system: 'System', user: 'User', assistant: 'Assistant', tool: 'Tool', function: 'Function', developer: 'Developer' };

function roleLabel(role: string): string {
  return ROLE_LABELS[role] ?? role;
}

function markdownBlock(text: string): HTMLElement {
  const block = element('div', undefined, { class: 'markdown' });
  setSanitizedHtml(block, renderMarkdown(text));
  return block;
}

function turnElement(turn: TurnView, content: HTMLElement = markdownBlock(turn.content)): HTMLElement {
  const who = turn.name ? `${roleLabel(turn.role)} (${turn.name})` : roleLabel(turn.role);
  const section = element('section', undefined, { class: `turn role-${turn.role.replace(/[^\w-]/g, '_')}`, 'aria-label': `${who} turn` });
  section.append(element('div', who, { class: 'role' }), content);
  return section;
}

function section(title: string, cls: string, ...children: HTMLElement[]): HTMLElement {
  const node = element('section', undefined, { class: `block ${cls}` });
  node.append(element('h2', title), ...children);
  return node;
}

function navigationButton(direction: 1 | -1, enabled: boolean): HTMLButtonElement {
  const label = direction === 1 ? 'Next row' : 'Previous row';
  const button = element('button', direction === 1 ? 'Next ▸' : '◂ Previous', {
    type: 'button',
    class: 'nav',
    'aria-label': `${label} (${direction === 1 ? 'Down, J or N' : 'Up, K or P'})`,
    title: `${label} (${direction === 1 ? '↓, j, n' : '↑, k, p'})`,
    'data-focus-key': direction === 1 ? 'next' : 'previous',
  });
  button.disabled = !enabled;
  button.addEventListener('click', () => vscode.postMessage({ type: 'navigate', direction }));
  return button;
}

function header(title: string, fileName: string, line: number, navigation: NavigationView): HTMLElement {
  const bar = element('header', undefined, { class: 'preview-header' });
  const heading = element('h1', title, { id: 'row-title' });
  const where = element('button', `${fileName}, line ${line}`, {
    type: 'button',
    class: 'link',
    'aria-label': `Show line ${line} of ${fileName} in the editor`,
    'data-focus-key': 'reveal',
  });
  where.addEventListener('click', () => vscode.postMessage({ type: 'revealRow' }));
  const titleBox = element('div', undefined, { class: 'title' });
  titleBox.append(heading, where);
  bar.append(navigationButton(-1, navigation.hasPrevious), titleBox, navigationButton(1, navigation.hasNext));
  return bar;
}

function diffText(segments: readonly DiffSegment[], side: 'chosen' | 'rejected'): HTMLElement {
  const block = element('div', undefined, { class: 'diff-text' });
  for (const segment of segments) {
    if (!segment.changed) {
      block.append(document.createTextNode(segment.text));
      continue;
    }
    const label = side === 'chosen' ? 'only in chosen' : 'only in rejected';
    block.append(element(side === 'chosen' ? 'ins' : 'del', segment.text, { class: `diff diff-${side}`, title: label, 'aria-label': `${label}: ${segment.text}` }));
  }
  return block;
}

function preferencePair(chosen: readonly TurnView[], rejected: readonly TurnView[]): HTMLElement[] {
  const showDifferences = state.showDifferences ?? true;
  const columns = { chosen: element('div', undefined, { class: 'answer chosen', 'aria-label': 'Chosen answer' }), rejected: element('div', undefined, { class: 'answer rejected', 'aria-label': 'Rejected answer' }) };
  columns.chosen.append(element('h2', 'Chosen'));
  columns.rejected.append(element('h2', 'Rejected'));
  let differences = 0;
  const count = Math.max(chosen.length, rejected.length);
  for (let i = 0; i < count; i++) {
    const a = chosen[i];
    const b = rejected[i];
    if (showDifferences && a && b) {
      const diff = diffWords(a.content, b.content);
      differences += diff.left.filter((s) => s.changed).length + diff.right.filter((s) => s.changed).length;
      columns.chosen.append(turnElement(a, diffText(diff.left, 'chosen')));
      columns.rejected.append(turnElement(b, diffText(diff.right, 'rejected')));
    } else {
      if (a) columns.chosen.append(turnElement(a, showDifferences ? diffText([{ text: a.content, changed: true }], 'chosen') : undefined));
      if (b) columns.rejected.append(turnElement(b, showDifferences ? diffText([{ text: b.content, changed: true }], 'rejected') : undefined));
      differences += 1;
    }
  }
  const toggle = element('button', showDifferences ? 'Show rendered Markdown' : 'Show differences', {
    type: 'button',
    class: 'secondary',
    'aria-pressed': String(!showDifferences),
    title: 'Switch between marked word differences and rendered Markdown (d)',
    'data-focus-key': 'toggle-diff',
  });
  toggle.addEventListener('click', () => toggleDifferences());
  const summary = showDifferences
    ? element('p', differences === 0 ? 'Chosen and rejected are identical.' : 'Words only in the chosen answer are marked green, words only in the rejected answer red.', { class: 'note', id: 'diff-summary' })
    : element('p', 'Rendered Markdown.', { class: 'note', id: 'diff-summary' });
  const toolbar = element('div', undefined, { class: 'toolbar' });
  toolbar.append(summary, toggle);
  const pair = element('div', undefined, { class: 'pair', id: 'pair' });
  pair.append(columns.chosen, columns.rejected);
  return [toolbar, pair];
}

function metadataBlock(metadata: string): HTMLElement {
  const details = element('details', undefined, { class: 'block metadata', id: 'metadata' });
  details.open = state.metadataOpen ?? true;
  details.append(element('summary', 'Distillery metadata'), element('pre', metadata, { class: 'json' }));
  details.addEventListener('toggle', () => saveState({ metadataOpen: details.open }));
  return details;
}

function renderRow(row: RowView, navigation: NavigationView): HTMLElement[] {
  const parts: HTMLElement[] = [header(`Row ${row.line} · ${row.kindLabel}`, row.fileName, row.line, navigation)];
  if (row.system.length > 0) {
    parts.push(section('System prompt', 'system', ...row.system.map((turn) => markdownBlock(turn.content))));
  }
  if (row.prompt.length > 0) {
    parts.push(section(row.conversational ? 'Prompt' : 'Prompt (text to continue)', 'prompt', ...row.prompt.map((turn) => turnElement(turn))));
  }
  if (row.extraUserTurns && row.extraUserTurns.length > 0) {
    parts.push(section('Follow-up turns', 'follow-up', ...row.extraUserTurns.map((text) => turnElement({ role: 'user', content: text }))));
  }
  if (row.completion) {
    const title = row.label === undefined ? 'Completion' : `Completion — label: ${row.label ? 'desirable' : 'undesirable'}`;
    parts.push(section(title, `completion${row.label === undefined ? '' : row.label ? ' desirable' : ' undesirable'}`, ...row.completion.map((turn) => turnElement(turn))));
  }
  if (row.chosen && row.rejected) {
    const block = element('section', undefined, { class: 'block preference' });
    block.append(...preferencePair(row.chosen, row.rejected));
    parts.push(block);
  }
  if (row.reference && row.reference.some((text) => text !== '')) {
    const details = element('details', undefined, { class: 'block reference' });
    details.append(element('summary', 'Reference answers'));
    row.reference.forEach((text, i) => details.append(element('h3', `Turn ${i + 1}`), text === '' ? element('p', '(none)', { class: 'note' }) : markdownBlock(text)));
    parts.push(details);
  }
  if (row.notes.length > 0) {
    const list = element('ul', undefined, { class: 'notes', 'aria-label': 'Notes' });
    for (const note of row.notes) list.append(element('li', note));
    parts.push(list);
  }
  if (row.metadata !== undefined) parts.push(metadataBlock(row.metadata));
  return parts;
}

function renderProblem(problem: ProblemView, navigation: NavigationView): HTMLElement[] {
  const where = problem.column === undefined ? `Line ${problem.line}` : `Line ${problem.line}, column ${problem.column}`;
  const box = element('section', undefined, { class: 'block problem', role: 'alert' });
  box.append(element('h2', `${where}: this row cannot be shown`));
  const list = element('ul');
  for (const reason of problem.reasons) list.append(element('li', reason));
  box.append(list);
  if (problem.excerpt !== '') box.append(element('pre', problem.excerpt, { class: 'excerpt', 'aria-label': 'The line as it is' }));
  return [header(`Row ${problem.line} · malformed`, problem.fileName, problem.line, navigation), box];
}

function render(content: PreviewContent, scrollToTop: boolean): void {
  const focusKey = document.activeElement instanceof HTMLElement ? document.activeElement.dataset['focusKey'] : undefined;
  let parts: HTMLElement[];
  switch (content.kind) {
    case 'row':
      parts = renderRow(content.row, content.navigation);
      break;
    case 'problem':
      parts = renderProblem(content.problem, content.navigation);
      break;
    case 'empty':
      parts = [element('p', content.message, { class: 'note' })];
      break;
  }
  root.replaceChildren(...parts);
  if (focusKey) {
    const again = root.querySelector<HTMLElement>(`[data-focus-key="${focusKey}"]`);
    if (again && !(again instanceof HTMLButtonElement && again.disabled)) again.focus();
  }
  if (scrollToTop) window.scrollTo(0, 0);
}

function sameRow(a: PreviewContent | undefined, b: PreviewContent): boolean {
  if (a === undefined || a.kind === 'empty' || b.kind === 'empty') return false;
  const lineA = a.kind === 'row' ? a.row.line : a.problem.line;
  const lineB = b.kind === 'row' ? b.row.line : b.problem.line;
  return lineA === lineB;
}

function toggleDifferences(): void {
  saveState({ showDifferences: !(state.showDifferences ?? true) });
  if (state.content) render(state.content, false);
}

function isEditable(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement);
}

document.addEventListener('keydown', (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || isEditable(event.target)) return;
  switch (event.key) {
    case 'ArrowDown':
    case 'j':
    case 'n':
      vscode.postMessage({ type: 'navigate', direction: 1 });
      break;
    case 'ArrowUp':
    case 'k':
    case 'p':
      vscode.postMessage({ type: 'navigate', direction: -1 });
      break;
    case 'd':
      if (state.content?.kind === 'row' && state.content.row.chosen) toggleDifferences();
      else return;
      break;
    default:
      return;
  }
  event.preventDefault();
});

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message.type !== 'show') return;
  const scrollToTop = !sameRow(state.content, message.content);
  saveState({ content: message.content, ...(message.uri === undefined ? {} : { uri: message.uri }) });
  render(message.content, scrollToTop);
});

if (state.content) render(state.content, false);
vscode.postMessage({ type: 'ready' });
