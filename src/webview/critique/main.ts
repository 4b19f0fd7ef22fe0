// The critique chain panel's page: each round's principle, critique and revision, with the words
// a revision added marked (and those it removed struck in the answer before it). Every string
// from a row or a model is set as text, never as HTML.
import { element, vscodeApi } from '../vscodeApi';
import { diffWords, type DiffSegment } from '../preview/diff';
import type { ChainView, HostMessage, RoundView, WebviewMessage, WebviewState } from './protocol';

const vscode = vscodeApi<WebviewMessage, WebviewState>();
const root = document.getElementById('root') as HTMLElement;

let state: WebviewState = vscode.getState() ?? {};

const STATUS_LABELS: Record<ChainView['status'], string> = { running: 'Running', done: 'Done', cancelled: 'Cancelled', failed: 'Failed' };

function marked(segments: readonly DiffSegment[], mark: 'ins' | 'del'): HTMLElement {
  const block = element('div', undefined, { class: 'answer-text' });
  for (const segment of segments) {
    if (!segment.changed) block.append(document.createTextNode(segment.text));
    else block.append(element(mark, segment.text, { class: `diff diff-${mark}`, title: mark === 'ins' ? 'added by this revision' : 'removed by this revision' }));
  }
  return block;
}

function roundElement(round: RoundView): HTMLElement {
  const node = element('section', undefined, { class: 'round', 'aria-label': `Round ${round.number}` });
  const heading = element('h2');
  heading.append(element('span', `Round ${round.number}`, { class: 'round-number' }), document.createTextNode(' · '), element('code', round.principleId, { class: 'principle' }));
  node.append(heading, element('p', round.critiqueRequest, { class: 'request', title: 'The principle\'s critique request' }));
  node.append(element('h3', 'Critique'), element('div', round.critique, { class: 'critique answer-text' }));
  if (round.revision === undefined) {
    node.append(element('p', round.needsRevision ? 'No revision.' : 'Nothing to fix: the chain stops here.', { class: 'note stop' }));
  } else {
    const diff = diffWords(round.before, round.revision);
    node.append(element('h3', diff.differs ? 'Revision (added words marked)' : 'Revision (unchanged)'), marked(diff.right, 'ins'));
    if (diff.differs) {
      const details = element('details', undefined, { class: 'before' });
      details.append(element('summary', 'Before this revision (removed words struck)'), marked(diff.left, 'del'));
      node.append(details);
    }
  }
  node.append(element('p', round.by, { class: 'note by' }));
  return node;
}

function render(chain: ChainView): void {
  const header = element('header', undefined, { class: 'chain-header' });
  const title = element('div', undefined, { class: 'title' });
  title.append(element('h1', chain.title, { id: 'chain-title' }), element('p', `${chain.constitution} · ${chain.plannedRounds} ${chain.plannedRounds === 1 ? 'round' : 'rounds'}${chain.position ? ` · row ${chain.position}` : ''}`, { class: 'note' }));
  header.append(title);
  if (chain.status === 'running') {
    const cancel = element('button', 'Cancel', { type: 'button', id: 'cancel', title: 'Stop the chain: nothing is changed' });
    cancel.addEventListener('click', () => {
      cancel.disabled = true;
      vscode.postMessage({ type: 'cancel' });
    });
    header.append(cancel);
  }
  const status = element('p', `${STATUS_LABELS[chain.status]}: ${chain.message}`, { class: `status status-${chain.status}`, id: 'chain-status', role: chain.status === 'failed' ? 'alert' : 'status' });

  const original = element('section', undefined, { class: 'round original', 'aria-label': 'Original answer' });
  original.append(element('h2', chain.span ? 'Original answer (the selected part is critiqued)' : 'Original answer'));
  const text = element('div', undefined, { class: 'answer-text' });
  if (chain.span) {
    text.append(
      document.createTextNode(chain.original.slice(0, chain.span.start)),
      element('mark', chain.original.slice(chain.span.start, chain.span.end), { class: 'span', title: 'the selected text' }),
      document.createTextNode(chain.original.slice(chain.span.end)),
    );
  } else {
    text.textContent = chain.original;
  }
  original.append(text);
  root.replaceChildren(header, status, original, ...chain.rounds.map(roundElement));
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  if (message.type !== 'show') return;
  state = { chain: message.chain };
  vscode.setState(state);
  render(message.chain);
});

if (state.chain) render(state.chain);
vscode.postMessage({ type: 'ready' });
