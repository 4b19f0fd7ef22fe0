import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { formatTranscript, isTranscript, joinSegments, parseTranscript } from '../../../../src/core/dataset/anthropic';
import { toConversationRow, type Turn } from '../../../../src/core/dataset/conversation';
import { loadRows, requireData } from './realData';

describe('Anthropic transcripts', () => {
  it('parses Human and Assistant turns, one space after the colon belonging to the marker', () => {
    const text = '\n\nHuman: Hi!\n\nAssistant:  Two spaces.\n\nHuman: ok\n\nAssistant: ';
    const parsed = parseTranscript(text);
    assert.deepEqual(parsed.turns, [
      { role: 'user', content: 'Hi!' },
      { role: 'assistant', content: ' Two spaces.' },
      { role: 'user', content: 'ok' },
      { role: 'assistant', content: '' },
    ]);
    assert.equal(parsed.canonical, true);
    assert.equal(formatTranscript(parsed.turns), text);
  });

  it('keeps single newlines and inline "Human:" inside a turn', () => {
    const text = '\n\nHuman: a\nAssistant: not a turn. Human: nor this\n\nAssistant: b';
    assert.deepEqual(parseTranscript(text).turns.map((t) => t.content), ['a\nAssistant: not a turn. Human: nor this', 'b']);
  });

  it('reads text before the first Human turn as a system prompt', () => {
    const parsed = parseTranscript('You are terse.\n\nHuman: Hi\n\nAssistant: Yo');
    assert.deepEqual(parsed.turns[0], { role: 'system', content: 'You are terse.' });
    assert.equal(formatTranscript(parsed.turns), 'You are terse.\n\nHuman: Hi\n\nAssistant: Yo');
  });

  it('gives non-canonical transcripts back exactly from their segments', () => {
    for (const text of ['Human: no leading newlines\n\nAssistant:no space', '\nHuman: one newline\n\nAssistant: x', '\n\n\nHuman: three\n\nAssistant: y']) {
      const parsed = parseTranscript(text);
      assert.equal(joinSegments(parsed.segments), text);
      assert.equal(parsed.canonical, false);
      assert.deepEqual(parsed.turns.filter((t) => t.role !== 'system').map((t) => t.role), ['user', 'assistant']);
    }
  });

  it('recognises transcripts only when they have both a Human and an Assistant turn', () => {
    assert.equal(isTranscript('\n\nHuman: hi\n\nAssistant: yo'), true);
    assert.equal(isTranscript('Human: hi\n\nAssistant: yo'), true);
    assert.equal(isTranscript('\n\nHuman: only a question'), false);
    assert.equal(isTranscript('The Human: Assistant: sketch'), false);
    assert.equal(isTranscript('plain text'), false);
  });

  it('refuses to format turns a transcript cannot hold', () => {
    assert.throws(() => formatTranscript([{ role: 'user', content: 'x' }, { role: 'tool', content: 'y' }]), RangeError);
    assert.throws(() => formatTranscript([{ role: 'user', content: 'x' }, { role: 'system', content: 'y' }]), RangeError);
  });

  it('turns → transcript → turns is the identity for turns whose text has no markers (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '\n', 'H', 'uman', ':', '’', '“', 'é') }).filter((s) => !s.includes('\n\nHuman:') && !s.includes('\n\nAssistant:'));
    const turn = fc.record({ role: fc.constantFrom<'user' | 'assistant'>('user', 'assistant'), content: text }, { noNullPrototype: true });
    fc.assert(
      fc.property(fc.array(turn, { minLength: 1, maxLength: 8 }), (turns) => {
        fc.pre(turns[0]?.role === 'user' && !turns[0].content.startsWith('Human:') && !turns[0].content.startsWith('Assistant:'));
        const formatted = formatTranscript(turns);
        const parsed = parseTranscript(formatted);
        assert.deepEqual(parsed.turns, turns);
        assert.equal(parsed.canonical, true);
      }),
    );
  });

  it('parse is a partition of any text (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('\n', '\n\n', 'Human:', 'Assistant:', ' ', 'x') });
    fc.assert(
      fc.property(text, (s) => {
        const parsed = parseTranscript(s);
        assert.equal(joinSegments(parsed.segments), s);
        assert.equal(parsed.canonical, formatTranscript(parsed.turns) === s);
      }),
    );
  });

  describe('hh-rlhf harmless-base test (real data)', function () {
    before(requireData);
    let rows: { chosen: string; rejected: string }[] = [];
    before(() => {
      rows = loadRows('hh-rlhf-harmless-base-test.jsonl') as typeof rows;
    });

    it('has 2,312 rows, every chosen and rejected a transcript that formats back exactly', () => {
      assert.equal(rows.length, 2312);
      for (const [i, row] of rows.entries()) {
        for (const text of [row.chosen, row.rejected]) {
          assert.equal(isTranscript(text), true, `row ${i}`);
          const parsed = parseTranscript(text);
          assert.equal(parsed.canonical, true, `row ${i}`);
          assert.equal(formatTranscript(parsed.turns), text, `row ${i}`);
        }
      }
    });

    it('has 1 to 18 human turns per conversation, 662 with one', () => {
      const humanTurns = rows.map((r) => parseTranscript(r.chosen).turns.filter((t) => t.role === 'user').length);
      assert.equal(Math.min(...humanTurns), 1);
      assert.equal(Math.max(...humanTurns), 18);
      assert.equal(humanTurns.filter((n) => n === 1).length, 662);
    });

    it('keeps curly quotes exactly', () => {
      const curly = rows.filter((r) => /[‘’“”]/.test(r.chosen));
      assert.ok(curly.length > 100);
      const row = curly[0];
      assert.ok(row);
      const read = toConversationRow(row);
      assert.ok(read.ok);
      const text = [...read.row.prompt, ...(read.row.chosen ?? [])].map((t) => t.content).join('');
      assert.equal(text.includes('’') || text.includes('“') || text.includes('”') || text.includes('‘'), true);
    });

    it('reads the rows whose answers diverge before the last turn: the prompt is the longest common prefix', () => {
      const diverging: number[] = [];
      for (const [i, row] of rows.entries()) {
        const read = toConversationRow(row);
        assert.ok(read.ok, `row ${i}`);
        const { prompt, chosen = [], rejected = [] } = read.row;
        // The shared prompt is the same in both transcripts and ends on the human's turn.
        const a = parseTranscript(row.chosen).turns;
        const b = parseTranscript(row.rejected).turns;
        assert.deepEqual(a.slice(0, prompt.length), prompt);
        assert.deepEqual(b.slice(0, prompt.length), prompt);
        assert.deepEqual([...prompt, ...chosen], a);
        assert.deepEqual([...prompt, ...rejected], b);
        assert.equal(prompt[prompt.length - 1]?.role, 'user', `row ${i}`);
        if (chosen.length !== 1 || rejected.length !== 1) diverging.push(i);
      }
      assert.deepEqual(diverging, [1254, 1688, 1950, 1952, 2036]);
      const read = toConversationRow(rows[1254]);
      assert.ok(read.ok);
      assert.deepEqual(read.row.chosen?.map((t: Turn) => t.role), ['assistant', 'assistant']);
      assert.deepEqual(read.row.rejected?.map((t: Turn) => t.role), ['assistant']);
    });

    it('reads the rows that end on an empty Assistant turn', () => {
      const empty = rows.flatMap((r, i) => {
        const read = toConversationRow(r);
        if (!read.ok) return [];
        return (['chosen', 'rejected'] as const).filter((k) => read.row[k]?.at(-1)?.content === '').map((k) => `${i}:${k}`);
      });
      assert.equal(empty.length, 4);
      assert.ok(empty.includes('86:chosen') && empty.includes('516:chosen'), empty.join());
    });
  });
});
