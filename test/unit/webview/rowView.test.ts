// The row preview's view model (src/extension/preview/rowView.ts is pure: it runs in Node).
import { strict as assert } from 'node:assert';
import { JsonlBuffer } from '../../../src/core/dataset/jsonlBuffer';
import { formatJsonPath, previewContent } from '../../../src/extension/preview/rowView';

const nav = { hasPrevious: false, hasNext: true };

function contentOf(lines: string[], line: number) {
  const data = new JsonlBuffer(Buffer.from(lines.join('\n') + '\n', 'utf8'));
  const row = data.row(line);
  return previewContent(row, data.rowText(row), 'data.jsonl', nav);
}

describe('row preview: view model', () => {
  it('shows a chat row with its system prompt apart and its metadata as JSON text', () => {
    const content = contentOf(
      [JSON.stringify({ messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }], distillery: { teacher: 'm', source: 'synthetic' } })],
      1,
    );
    assert.equal(content.kind, 'row');
    if (content.kind !== 'row') return;
    assert.equal(content.row.line, 1);
    assert.equal(content.row.kind, 'chat');
    assert.deepEqual(content.row.system, [{ role: 'system', content: 'Be terse.' }]);
    assert.deepEqual(content.row.prompt, [{ role: 'user', content: 'Hi' }]);
    assert.deepEqual(content.row.completion, [{ role: 'assistant', content: 'Hello.' }]);
    assert.equal(content.row.metadata, JSON.stringify({ teacher: 'm', source: 'synthetic' }, null, 2));
    assert.deepEqual(content.navigation, nav);
  });

  it('shows a preference row with chosen and rejected', () => {
    const content = contentOf(['', JSON.stringify({ prompt: 'Capital of France?', chosen: 'Paris.', rejected: 'Lyon.' })], 2);
    assert.equal(content.kind, 'row');
    if (content.kind !== 'row') return;
    assert.equal(content.row.line, 2);
    assert.equal(content.row.kind, 'preference');
    assert.equal(content.row.chosen?.[0]?.content, 'Paris.');
    assert.equal(content.row.rejected?.[0]?.content, 'Lyon.');
    assert.equal(content.row.metadata, undefined);
  });

  it('shows a malformed line as its problem, with line, column and reason', () => {
    const content = contentOf(['{"prompt": "a"}', '{"prompt": "unterminated'], 2);
    assert.equal(content.kind, 'problem');
    if (content.kind !== 'problem') return;
    assert.equal(content.problem.line, 2);
    assert.equal(typeof content.problem.column, 'number');
    assert.ok(content.problem.reasons.length > 0);
    assert.equal(content.problem.excerpt, '{"prompt": "unterminated');
  });

  it('shows a row of no known format as a problem with its reasons', () => {
    const content = contentOf(['{"foo": 1}'], 1);
    assert.equal(content.kind, 'problem');
    if (content.kind !== 'problem') return;
    assert.equal(content.problem.column, undefined);
    assert.ok(content.problem.reasons.length > 0);
  });

  it('formats JSON paths', () => {
    assert.equal(formatJsonPath(['messages', 2, 'content']), 'messages[2].content');
    assert.equal(formatJsonPath(['a b', 0]), '["a b"][0]');
    assert.equal(formatJsonPath([]), '');
  });
});
