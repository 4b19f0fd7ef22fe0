// The verdict panel's page: the row's answers A and B side by side with their differences
// marked, each sample's verdict and reasoning per order and judge, the final label with its
// consistency and agreement, and buttons to override it. Every string from a row or a model is
// set as text, never as HTML.
import { element, vscodeApi } from '../vscodeApi';
import { diffWords, type DiffSegment } from '../preview/diff';
import type { HostMessage, JudgementView, RowScoreView, RowVerdictView, SampleView, ScoreSetView, VerdictLabel, WebviewMessage, WebviewState } from './protocol';

const vscode = vscodeApi<WebviewMessage, WebviewState>();
const root = document.getElementById('root') as HTMLElement;

let state: WebviewState = vscode.getState() ?? {};

const LABEL_WORDS: Record<VerdictLabel, string> = { A: 'A is better', B: 'B is better', tie: 'Tie' };

function button(label: string, id: string, title: string, message: WebviewMessage, disabled = false): HTMLButtonElement {
  const node = element('button', label, { type: 'button', id, title });
  node.disabled = disabled;
  node.addEventListener('click', () => vscode.postMessage(message));
  return node;
}

function marked(segments: readonly DiffSegment[], mark: 'ins' | 'del'): HTMLElement {
  const block = element('div', undefined, { class: 'answer-text' });
  for (const segment of segments) {
    if (!segment.changed) block.append(document.createTextNode(segment.text));
    else block.append(element('mark', segment.text, { class: `diff diff-${mark}`, title: mark === 'ins' ? 'only in B' : 'only in A' }));
  }
  return block;
}

function answers(a: string, b: string): HTMLElement {
  const diff = diffWords(a, b);
  const pair = element('section', undefined, { class: 'answers', 'aria-label': 'Answers' });
  const side = (name: 'A' | 'B', text: string, segments: readonly DiffSegment[], mark: 'ins' | 'del') => {
    const column = element('div', undefined, { class: `answer answer-${name.toLowerCase()}`, id: `answer-${name.toLowerCase()}` });
    column.append(element('h2', `Answer ${name} · ${[...text].length} characters`), diff.differs ? marked(segments, mark) : element('div', text, { class: 'answer-text' }));
    return column;
  };
  pair.append(side('A', a, diff.left, 'del'), side('B', b, diff.right, 'ins'));
  return pair;
}

function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

function sampleElement(sample: SampleView): HTMLElement {
  const node = element('li', undefined, { class: `sample verdict-${sample.verdict}` });
  const head = element('p', undefined, { class: 'sample-head' });
  const details = [sample.confidence !== undefined ? `confidence ${percent(sample.confidence)}` : undefined, sample.pA !== undefined ? `P(A) ${percent(sample.pA)}` : undefined].filter((x) => x !== undefined);
  head.append(element('strong', LABEL_WORDS[sample.verdict]), document.createTextNode(` · sample ${sample.sample}${details.length > 0 ? ` · ${details.join(' · ')}` : ''}`));
  node.append(head, element('p', sample.reasoning, { class: 'reasoning' }));
  return node;
}

function judgementElement(judgement: JudgementView): HTMLElement {
  const section = element('section', undefined, { class: 'judgement', 'aria-label': 'Judgement' });
  const final = element('h2', `Verdict: ${LABEL_WORDS[judgement.winner]}`, { id: 'final-label', class: `final verdict-${judgement.winner}` });
  const facts = element('ul', undefined, { class: 'facts' });
  facts.append(
    element('li', judgement.positionConsistent ? 'Position-consistent: both orders agree' : 'Position-inconsistent: the orders disagree, so the label is a tie', { id: 'consistency', class: judgement.positionConsistent ? 'ok' : 'warn' }),
    element('li', `Agreement: ${percent(judgement.agreement)} of ${judgement.samples.length} samples`, { id: 'agreement' }),
    element('li', `Length difference (A − B): ${judgement.lengthDifference > 0 ? '+' : ''}${judgement.lengthDifference} characters`, { id: 'length-difference' }),
    element('li', `Judges: ${judgement.judges.join(', ')}`, { id: 'judges' }),
    element('li', `Criteria: ${judgement.criteria}`),
  );
  if (judgement.pA !== undefined) facts.append(element('li', `P(A better): ${percent(judgement.pA)}`, { id: 'p-a' }));
  section.append(final);
  for (const warning of judgement.selfPreference) section.append(element('p', `Self-preference risk: ${warning}`, { class: 'warn self-preference', role: 'note' }));
  section.append(facts);
  const orders: ('AB' | 'BA')[] = ['AB', 'BA'];
  for (const order of orders) {
    const samples = judgement.samples.filter((s) => s.order === order);
    if (samples.length === 0) continue;
    const block = element('section', undefined, { class: 'order', id: `order-${order}`, 'aria-label': `Order ${order}` });
    block.append(element('h3', order === 'AB' ? 'Order AB (A shown first)' : 'Order BA (B shown first)'));
    for (const judge of [...new Set(samples.map((s) => `${s.judge} (${s.model})`))]) {
      block.append(element('h4', judge));
      const list = element('ol', undefined, { class: 'samples' });
      list.append(...samples.filter((s) => `${s.judge} (${s.model})` === judge).map(sampleElement));
      block.append(list);
    }
    section.append(block);
  }
  return section;
}

function scoreSetElement(title: string, id: string, set: ScoreSetView): HTMLElement {
  const block = element('section', undefined, { class: 'score-set', id, 'aria-label': title });
  block.append(element('h3', `${title}: reward ${Math.round(set.reward * 100) / 100} of 5`, { class: 'reward', 'data-reward': String(set.reward) }));
  const list = element('ul', undefined, { class: 'rubric-scores' });
  for (const score of set.scores) {
    const item = element('li', undefined, { class: 'rubric-score', 'data-rubric': score.rubric, 'data-score': String(score.score) });
    const head = element('p', undefined, { class: 'sample-head' });
    head.append(element('strong', `${score.rubric}: ${score.score}/5`), document.createTextNode(`${score.weight !== 1 ? ` · weight ${score.weight}` : ''} · ${score.judge}`));
    item.append(head, element('p', score.criterion, { class: 'note' }), element('p', score.rationale, { class: 'reasoning' }));
    list.append(item);
  }
  block.append(list);
  return block;
}

function scoresElement(score: RowScoreView): HTMLElement {
  const section = element('section', undefined, { class: 'scores', id: 'scores', 'aria-label': 'Scores' });
  section.append(element('h2', 'Scores'));
  section.append(scoreSetElement(score.pair ? 'Chosen (A)' : 'Answer', 'score-answer', score.answer));
  if (score.rejected) section.append(scoreSetElement('Rejected (B)', 'score-rejected', score.rejected));
  return section;
}

const ACTIVITY_WORDS = { judging: 'Judging…', scoring: 'Scoring…' } as const;

/** "Judging…" or "Scoring…" with a Cancel button, while either runs on the row. */
function activityElement(row: RowVerdictView): HTMLElement | undefined {
  if (!row.status) return undefined;
  const box = element('div', undefined, { class: 'status-row' });
  box.append(element('p', ACTIVITY_WORDS[row.status], { class: 'status', id: 'status', role: 'status' }), button('Cancel', 'cancel', 'Stop the model calls; nothing is written', { type: 'cancel' }));
  return box;
}

/**
 * Replaces the page's content, keeping the keyboard focus on the element with the same id (the
 * view re-renders whenever the row changes, and a keyboard user should not lose their place).
 */
function show(...parts: HTMLElement[]): void {
  const active = document.activeElement;
  const focusedId = active instanceof HTMLElement && root.contains(active) ? active.id : '';
  root.replaceChildren(...parts);
  if (focusedId !== '') document.getElementById(focusedId)?.focus();
}

function render(row: RowVerdictView | undefined): void {
  const nav = element('nav', undefined, { class: 'row-nav' });
  nav.append(button('‹ Previous', 'previous', 'The previous row with a pair', { type: 'previous' }), button('Next ›', 'next', 'The next row with a pair', { type: 'next' }));
  if (!row) {
    show(nav, element('p', 'Put the cursor on a preference row of a dataset to see its verdict.', { class: 'note', id: 'empty' }));
    return;
  }
  const header = element('header', undefined, { class: 'verdict-header' });
  header.append(element('h1', row.title, { id: 'row-title' }), nav);
  const parts: HTMLElement[] = [header];
  if (row.message) parts.push(element('p', row.message.text, { class: `message message-${row.message.kind}`, id: 'message', role: row.message.kind === 'error' ? 'alert' : 'status' }));
  const busy = row.status !== undefined;
  const activity = activityElement(row);
  if (activity) parts.push(activity);
  const scoreButton = () =>
    button(row.score ? 'Score again' : 'Score this row', 'score', "Grade the answer 1–5 on the constitution's rubrics", { type: 'score' }, busy);
  if (row.problem !== undefined) {
    parts.push(element('p', row.problem, { class: 'note problem', id: 'problem' }));
    if (row.scorable) {
      const actions = element('div', undefined, { class: 'actions' });
      actions.append(scoreButton());
      parts.push(actions);
    }
    if (row.score) parts.push(scoresElement(row.score));
    show(...parts);
    return;
  }
  if (row.judgement) parts.push(judgementElement(row.judgement));
  else if (!busy) parts.push(element('p', 'This row has no judgement yet.', { class: 'note' }));
  const actions = element('div', undefined, { class: 'actions' });
  actions.append(button(row.judgement ? 'Judge again' : 'Judge this row', 'judge', 'Ask the judge models which answer is better, in both orders', { type: 'judge' }, busy));
  if (row.scorable) actions.append(scoreButton());
  parts.push(actions);
  if (row.score) parts.push(scoresElement(row.score));
  if (row.a !== undefined && row.b !== undefined) {
    const override = element('section', undefined, { class: 'override', 'aria-label': 'Your label' });
    override.append(element('h2', 'Your label'));
    if (row.human) override.append(element('p', `${LABEL_WORDS[row.human.winner]} (by ${row.human.by}, ${row.human.time})`, { id: 'human-label', class: 'note' }));
    const buttons = element('div', undefined, { class: 'actions' });
    const labels: VerdictLabel[] = ['A', 'B', 'tie'];
    for (const winner of labels) {
      const node = button(LABEL_WORDS[winner], `override-${winner}`, 'Write your own label on the row (distillery.human)', { type: 'override', winner }, busy);
      if (row.human?.winner === winner) node.setAttribute('aria-pressed', 'true');
      buttons.append(node);
    }
    override.append(buttons);
    parts.push(override, answers(row.a, row.b));
  }
  show(...parts);
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message.type !== 'show') return;
  state = message.row ? { row: message.row } : {};
  vscode.setState(state);
  render(message.row);
});

// VS Code's `focusedView` does not always follow a webview's own focus: the page says when it has it.
window.addEventListener('focus', () => vscode.postMessage({ type: 'focus', focused: true }));
window.addEventListener('blur', () => vscode.postMessage({ type: 'focus', focused: false }));

render(state.row);
vscode.postMessage({ type: 'ready' });
if (document.hasFocus()) vscode.postMessage({ type: 'focus', focused: true });
