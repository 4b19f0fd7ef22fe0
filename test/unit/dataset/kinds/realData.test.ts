/**
 * Kinds, the conversation model, write-back, conversions and validation over the real public
 * datasets in ../shared/data (read in place).
 */
import { strict as assert } from 'node:assert';
import { finalAnswerText, toConversationRow, withAnswers, type ConversationRow } from '../../../../src/core/dataset/conversation';
import { messagesToShareGpt, shareGptToMessages } from '../../../../src/core/dataset/convert';
import { parseJsonArray } from '../../../../src/core/dataset/jsonArray';
import { detectRowKind, dominantKind, type RowKind } from '../../../../src/core/dataset/rowKinds';
import { validateRow, type RowIssue } from '../../../../src/core/dataset/validateRow';
import { loadRows, readDataText, requireData } from './realData';

interface Expected {
  readonly file: string;
  readonly rows: number;
  readonly kind: RowKind;
  /** `code row` for every issue that validation against the file's kind finds. */
  readonly issues: readonly string[];
}

const FILES: readonly Expected[] = [
  {
    file: 'hh-rlhf-harmless-base-test.jsonl',
    rows: 2312,
    kind: 'implicit-preference',
    issues: [
      'empty-content 86',
      'empty-content 516',
      'roles-out-of-order 667',
      'roles-out-of-order 763',
      'empty-content 925',
      'empty-content 1103',
      'roles-out-of-order 1254',
      'roles-out-of-order 1319',
      'roles-out-of-order 1688',
      'roles-out-of-order 1849',
      'roles-out-of-order 1950',
      'roles-out-of-order 1952',
      'roles-out-of-order 2036',
    ],
  },
  { file: 'llamafactory-alpaca_en_demo.json', rows: 999, kind: 'alpaca', issues: [] },
  { file: 'llamafactory-dpo_en_demo.json', rows: 300, kind: 'sharegpt-preference', issues: [] },
  { file: 'llamafactory-kto_en_demo.json', rows: 300, kind: 'unpaired-preference', issues: [] },
  { file: 'self-instruct-seed_tasks.jsonl', rows: 175, kind: 'self-instruct', issues: [] },
  { file: 'mt_bench_question.jsonl', rows: 80, kind: 'mt-bench', issues: [] },
];

function readAll(rows: readonly unknown[]): ConversationRow[] {
  return rows.map((row, i) => {
    const read = toConversationRow(row);
    if (!read.ok) assert.fail(`row ${i}: ${JSON.stringify(read.issues)}`);
    return read.row;
  });
}

describe('row kinds over the real datasets', function () {
  before(requireData);
  this.timeout(30000);

  for (const expected of FILES) {
    describe(expected.file, () => {
      let rows: unknown[] = [];
      before(() => {
        rows = loadRows(expected.file);
      });

      it(`is ${expected.rows} rows, every one ${expected.kind}`, () => {
        const summary = dominantKind(rows.map(detectRowKind));
        assert.deepEqual(summary, { kind: expected.kind, counts: { [expected.kind]: expected.rows }, total: expected.rows, mixed: false });
      });

      it('reads every row into the conversation model', () => {
        for (const row of readAll(rows)) {
          assert.equal(row.kind, expected.kind);
          assert.ok(row.prompt.length > 0);
        }
      });

      it(`validation finds ${expected.issues.length === 0 ? 'nothing' : `exactly the ${expected.issues.length} known oddities`}`, () => {
        const found: string[] = [];
        const all: RowIssue[] = [];
        rows.forEach((row, i) => {
          const issues = validateRow(row, expected.kind);
          all.push(...issues);
          found.push(...issues.map((issue) => `${issue.code} ${i}`));
        });
        assert.deepEqual(found, expected.issues);
        assert.ok(all.every((issue) => issue.severity === 'warning'));
      });

      it('writing each row’s own answers back gives the row unchanged', () => {
        rows.forEach((row, i) => {
          const read = toConversationRow(row);
          assert.ok(read.ok);
          const { completion, chosen, rejected } = read.row;
          const update = { ...(completion && { completion }), ...(chosen && { chosen }), ...(rejected && { rejected }) };
          if (Object.keys(update).length === 0) return; // MT-bench: prompts only
          const written = withAnswers(row, expected.kind, update);
          assert.ok(written.ok, `row ${i}`);
          assert.deepStrictEqual(written.value, row, `row ${i}`);
          for (const [key, answer] of Object.entries(update)) {
            const text = finalAnswerText(answer);
            if (text === undefined) continue;
            const again = withAnswers(row, expected.kind, { [key]: text });
            assert.ok(again.ok);
            assert.deepStrictEqual(again.value, row, `row ${i} ${key}`);
          }
        });
      });
    });
  }

  describe('spot checks', () => {
    it('hh-rlhf row 0: a three-exchange prompt, the last answers differing', () => {
      const [row] = loadRows('hh-rlhf-harmless-base-test.jsonl');
      const read = toConversationRow(row);
      assert.ok(read.ok);
      assert.deepEqual(read.row.prompt.map((t) => t.role), ['user', 'assistant', 'user', 'assistant', 'user']);
      assert.equal(read.row.prompt[0]?.content, 'what are some pranks with a pen i can do?');
      assert.equal(read.row.prompt[3]?.content.includes('I’ll give you a couple examples'), true);
      assert.equal(read.row.chosen?.[0]?.content.startsWith('No, sorry!'), true);
      assert.equal(read.row.conversational, true);
    });

    it('hh-rlhf row 86 ends on an empty Assistant turn, reported on its chosen transcript', () => {
      const row = loadRows('hh-rlhf-harmless-base-test.jsonl')[86] as { chosen: string };
      assert.ok(row.chosen.endsWith('\n\nAssistant: '));
      const issues = validateRow(row);
      assert.deepEqual(issues.map((i) => [i.code, i.path, i.message]), [['empty-content', ['chosen'], 'empty assistant turn']]);
      const revised = withAnswers(row, 'implicit-preference', { chosen: 'I would rather not.' });
      assert.ok(revised.ok);
      assert.equal(revised.value.chosen, row.chosen + 'I would rather not.');
    });

    it('LLaMA-Factory alpaca: 587 rows with an empty input read as the instruction alone', () => {
      const rows = loadRows('llamafactory-alpaca_en_demo.json') as { instruction: string; input: string }[];
      const read = readAll(rows);
      let empty = 0;
      rows.forEach((row, i) => {
        if (row.input !== '') return;
        empty++;
        assert.deepEqual(read[i]?.prompt, [{ role: 'user', content: row.instruction }]);
      });
      assert.equal(empty, 587);
      assert.equal(read[0]?.prompt[0]?.content, 'Describe a process of making crepes.');
    });

    it('LLaMA-Factory dpo: 80 prompts with a system turn, every prompt ending on the human; converts to TRL and back', () => {
      const rows = loadRows('llamafactory-dpo_en_demo.json');
      const read = readAll(rows);
      assert.equal(read.filter((r) => r.prompt[0]?.role === 'system').length, 80);
      assert.ok(read.every((r) => r.prompt.at(-1)?.role === 'user' && r.chosen?.length === 1 && r.rejected?.length === 1));
      for (const row of rows) {
        const trl = shareGptToMessages(row);
        assert.ok(trl.ok);
        assert.equal(detectRowKind(trl.value), 'preference');
        const back = messagesToShareGpt(trl.value);
        assert.ok(back.ok);
        assert.deepStrictEqual(back.value, row);
      }
    });

    it('LLaMA-Factory kto: 150 desirable and 150 undesirable answers, converting to ShareGPT and back', () => {
      const rows = loadRows('llamafactory-kto_en_demo.json');
      const read = readAll(rows);
      assert.deepEqual([read.filter((r) => r.label === true).length, read.filter((r) => r.label === false).length], [150, 150]);
      assert.ok(read.every((r) => r.completion?.length === 1 && r.completion[0]?.role === 'assistant'));
      for (const row of rows) {
        const sharegpt = messagesToShareGpt(row);
        assert.ok(sharegpt.ok);
        assert.equal(detectRowKind(sharegpt.value), 'unpaired-preference');
        const back = shareGptToMessages(sharegpt.value);
        assert.ok(back.ok);
        assert.deepStrictEqual(back.value, row);
      }
    });

    it('self-instruct seeds: 175 tasks, one instance each, 50 with an empty input', () => {
      const rows = loadRows('self-instruct-seed_tasks.jsonl') as { instruction: string; instances: { input: string; output: string }[] }[];
      const read = readAll(rows);
      assert.equal(rows.filter((r) => r.instances[0]?.input === '').length, 50);
      rows.forEach((row, i) => {
        assert.equal(read[i]?.completion?.[0]?.content, row.instances[0]?.output);
        assert.equal(read[i]?.prompt[0]?.content.startsWith(row.instruction), true);
      });
    });

    it('MT-bench: 80 two-turn questions, the second turn apart; 39 with references, 8 of them with an empty one', () => {
      const read = readAll(loadRows('mt_bench_question.jsonl'));
      assert.ok(read.every((r) => r.prompt.length === 1 && r.extraUserTurns?.length === 1 && r.completion === undefined));
      const withReference = read.filter((r) => r.reference !== undefined);
      assert.equal(withReference.length, 39);
      assert.equal(withReference.filter((r) => r.reference?.includes('')).length, 8);
      const reasoning = read.find((r) => r.prompt[0]?.content.startsWith('Imagine you are participating in a race'));
      assert.deepEqual(reasoning?.reference, ['You are in second place.', 'Uncertain.']);
    });

    it('flags rows of another file’s kind in a mixed file', () => {
      const mixed = [...loadRows('llamafactory-kto_en_demo.json').slice(0, 5), ...loadRows('mt_bench_question.jsonl').slice(0, 2)];
      const summary = dominantKind(mixed.map(detectRowKind));
      assert.deepEqual([summary.kind, summary.counts, summary.mixed], ['unpaired-preference', { 'unpaired-preference': 5, 'mt-bench': 2 }, true]);
      const flagged = mixed.map((row) => validateRow(row, summary.kind).map((i) => i.code).join());
      assert.deepEqual(flagged, ['', '', '', '', '', 'kind-mismatch', 'kind-mismatch']);
    });

    it('the CAI prompt files are not datasets: an object, and an array of 16 strings with no row', () => {
      const critique = parseJsonArray(readDataText('cai-CritiqueRevisionInstructions.json'));
      assert.deepEqual(critique, { ok: false, offset: 0, message: 'the file holds an object, not a JSON array' });
      const madison = parseJsonArray(readDataText('cai-RLMadisonInstructions.json'));
      assert.ok(madison.ok);
      assert.deepEqual([madison.rows.length, madison.problems.length, madison.problems[15]?.index], [0, 16, 15]);
    });
  });
});
