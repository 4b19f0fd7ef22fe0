import * as assert from 'node:assert/strict';
import { detectRowKind } from '../../../src/core/dataset/rowKinds';
import { InputError } from '../../../src/core/errors/located';
import { rowProvenance } from '../../../src/core/statistics/provenance';
import { critiqueInputOf, critiqueMetadata, preferencePairRow, revisedRow } from '../../../src/core/tasks/critiqueRows';
import type { CritiqueChain, CritiqueRound } from '../../../src/core/tasks/critiqueTypes';

const round = (id: string, revision: string | undefined, more: Partial<CritiqueRound> = {}): CritiqueRound => ({
  principle: { id, critique: `Critique ${id}`, revision: `Revise ${id}` },
  critique: `Critique under ${id}.`,
  needsRevision: revision !== undefined,
  revision,
  profile: 'critic',
  model: 'sim-large',
  costUsd: 0.01,
  cached: false,
  ...more,
});

const chain = (original: string, rounds: CritiqueRound[]): CritiqueChain => ({
  original,
  final: [...rounds].reverse().find((r) => r.revision !== undefined)?.revision ?? original,
  rounds,
  stoppedEarly: rounds.some((r) => r.revision === undefined),
  seed: 42,
  constitution: { title: 'Harmlessness', path: 'h.constitution.md', sha256: 'ab'.repeat(32) },
  time: '2026-03-04T05:06:07.000Z',
});

describe('tasks: critique rows', () => {
  it('reads a row for critique: the last assistant text, with the turns before it as the conversation', () => {
    const tool = {
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'w', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: 'rain' },
        { role: 'assistant', content: 'It rains.' },
      ],
    };
    const read = critiqueInputOf(tool);
    assert.equal(read.input.answer, 'It rains.');
    assert.deepEqual(read.input.prompt.map((t) => t.role), ['user', 'assistant', 'tool']);
    assert.equal(read.kind, 'chat');
    assert.equal(critiqueInputOf({ instruction: 'Add.', input: '1+1', output: '3' }).input.answer, '3');
    assert.equal(critiqueInputOf({ prompt: 'Hi', completion: 'Yo' }).conversational, false);
  });

  it('rows without one answer to revise are refused, saying why', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ prompt: 'Only a question' }, /prompt only row cannot be critiqued: it has no answer to critique \(generate one first\)/],
      [{ prompt: 'Q', chosen: 'a', rejected: 'b' }, /preference \(prompt, chosen, rejected\) row cannot be critiqued: critique–revise takes rows with one answer/],
      [{ prompt: 'Q', completion: 'a', label: true }, /KTO\) row cannot be critiqued/],
      [{ messages: [{ role: 'user', content: 'Q' }, { role: 'assistant', content: '  ' }] }, /the row's answer is empty/],
      [{ nothing: 1 }, /the row cannot be read/],
    ];
    for (const [row, message] of cases) assert.throws(() => critiqueInputOf(row), (error: unknown) => error instanceof InputError && message.test(error.message), JSON.stringify(row));
  });

  it('the metadata records every round, the seed, the constitution, the time, the cost and the original', () => {
    const metadata = critiqueMetadata(chain('bad', [round('alpha', 'better'), round('beta', undefined, { costUsd: 0.02 })]));
    assert.deepEqual(metadata, {
      seed: 42,
      constitution: { title: 'Harmlessness', path: 'h.constitution.md', sha256: 'ab'.repeat(32) },
      time: '2026-03-04T05:06:07.000Z',
      rounds: [
        { principle: 'alpha', critique: 'Critique under alpha.', needsRevision: true, revision: 'better', profile: 'critic', model: 'sim-large', costUsd: 0.01, cached: false },
        { principle: 'beta', critique: 'Critique under beta.', needsRevision: false, revision: null, profile: 'critic', model: 'sim-large', costUsd: 0.02, cached: false },
      ],
      stoppedEarly: true,
      revised: true,
      costUsd: 0.03,
      original: 'bad',
    });
    assert.equal(critiqueMetadata(chain('bad', [round('alpha', 'b', { costUsd: undefined })])).costUsd, null, 'an unknown price makes the total unknown');
  });

  it('revisedRow writes the final revision in the row\'s own format, keeps other keys, and replaces the old source', () => {
    const alpaca = { instruction: 'Add.', input: '1+1', output: '3', id: 7, distillery: { provenance: 'human', source: { key: 'old#0', input: 'old' } } };
    const row = revisedRow(alpaca, 'alpaca', chain('3', [round('alpha', '2')]));
    assert.deepEqual(Object.keys(row), ['instruction', 'input', 'output', 'id', 'distillery']);
    assert.equal(row.output, '2');
    assert.equal(detectRowKind(row), 'alpaca');
    const d = row.distillery as Record<string, unknown>;
    assert.equal(d.source, undefined, 'the key of another run is not carried over');
    assert.deepEqual(rowProvenance(row), { provenance: 'synthetic', teacher: 'sim-large' });
    assert.equal((d.critique as { original: string }).original, '3');

    const chat = { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Go away.', weight: 1 }] };
    const unchanged = revisedRow(chat, 'chat', chain('Go away.', [round('alpha', undefined)]));
    assert.deepEqual(unchanged.messages, chat.messages);
    assert.equal(rowProvenance(unchanged).provenance, 'unknown', 'an answer no round revised keeps its provenance');
    assert.equal(((unchanged.distillery as { critique: { revised: boolean } }).critique).revised, false);
  });

  it('preferencePairRow: revision chosen, original rejected, in TRL form; none when nothing was revised', () => {
    const chat = { messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Go away.' }] };
    const pair = preferencePairRow(chat, chain('Go away.', [round('beta', 'Hello!')])) as Record<string, unknown>;
    assert.deepEqual(pair.prompt, [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: 'Hi' }]);
    assert.deepEqual(pair.chosen, [{ role: 'assistant', content: 'Hello!' }]);
    assert.deepEqual(pair.rejected, [{ role: 'assistant', content: 'Go away.' }]);
    assert.equal(detectRowKind(pair), 'preference');
    assert.deepEqual(rowProvenance(pair), { provenance: 'synthetic', teacher: 'sim-large' });
    assert.deepEqual(((pair.distillery as { critique: { rounds: { principle: string }[] } }).critique.rounds).map((r) => r.principle), ['beta']);

    const plain = preferencePairRow({ prompt: 'Hi', completion: 'Go away.' }, chain('Go away.', [round('beta', 'Hello!')])) as Record<string, unknown>;
    assert.deepEqual([plain.prompt, plain.chosen, plain.rejected], ['Hi', 'Hello!', 'Go away.']);
    assert.equal(preferencePairRow(chat, chain('Go away.', [round('beta', undefined)])), undefined);
  });
});
