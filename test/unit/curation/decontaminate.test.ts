import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decontaminateFile } from '../../../src/core/curation/decontaminate';
import { NgramIndex } from '../../../src/core/curation/ngrams';
import { sharedDataFile } from '../../support/sharedData';

interface MtBenchQuestion {
  question_id: number;
  turns: string[];
}

/** A planted copy with a small edit: one word changed in the middle, punctuation dropped, case changed. */
function edited(question: string, edit: 'word' | 'punctuation' | 'case'): string {
  if (edit === 'punctuation') return question.replace(/[.,;:!?'"]/g, '');
  if (edit === 'case') return question.toUpperCase();
  const words = question.split(' ');
  words[Math.floor(words.length / 2)] = 'banana';
  return words.join(' ');
}

describe('decontamination', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'distillery-decontaminate-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const benchmark = sharedDataFile('mt_bench_question.jsonl');
  const questions = readFileSync(benchmark, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MtBenchQuestion);
  // Questions long enough that a 13-gram survives a word changed in the middle.
  const long = questions.filter((q) => (q.turns[0] ?? '').split(' ').length >= 30);

  it('finds MT-bench questions planted with small edits, and passes the clean rows', async () => {
    const clean = readFileSync(sharedDataFile('self-instruct-seed_tasks.jsonl'), 'utf8').trim().split('\n').slice(0, 60);
    const planted = (['word', 'punctuation', 'case'] as const).map((edit, i) => {
      const question = long[i * 3] as MtBenchQuestion;
      return { question, row: { messages: [{ role: 'user', content: `Please help. ${edited(question.turns[0] as string, edit)}` }, { role: 'assistant', content: 'Sure.' }] } };
    });
    const lines = [...clean];
    lines.splice(10, 0, JSON.stringify(planted[0]?.row));
    lines.splice(30, 0, JSON.stringify(planted[1]?.row));
    lines.push(JSON.stringify(planted[2]?.row));
    const input = path.join(dir, 'mixed.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const output = path.join(dir, 'clean.jsonl');
    const report = await decontaminateFile(input, [{ path: benchmark, shown: 'mt_bench_question.jsonl' }], output);
    assert.equal(report.benchmarkItems, 80);
    assert.equal(report.rows, 63);
    assert.deepEqual(
      report.contaminated.map((row) => [row.line, row.item.id]),
      [
        [11, planted[0]?.question.question_id],
        [31, planted[1]?.question.question_id],
        [63, planted[2]?.question.question_id],
      ],
    );
    for (const row of report.contaminated) assert.equal(row.ngram.split(' ').length, 13);
    assert.equal(readFileSync(output, 'utf8').trim().split('\n').length, 60);
  });

  it('the n-gram size is configurable: a shorter n finds shorter overlaps', async () => {
    const input = path.join(dir, 'short.jsonl');
    const question = long[0] as MtBenchQuestion;
    const sixWords = (question.turns[0] as string).split(' ').slice(2, 8).join(' ');
    writeFileSync(input, `${JSON.stringify({ prompt: `Say: ${sixWords}`, completion: 'ok' })}\n`);
    const against = [{ path: benchmark, shown: 'mt' }];
    assert.equal((await decontaminateFile(input, against, undefined)).removed, 0);
    assert.equal((await decontaminateFile(input, against, undefined, { ngram: 6 })).removed, 1);
  });

  it('confirms hash hits against the words, and keeps short benchmark texts whole', () => {
    const index = new NgramIndex<string>(5);
    index.add('one two three', 'short');
    index.add('alpha beta gamma delta epsilon zeta', 'long');
    assert.equal(index.firstMatch('well ONE two, three!')?.item, 'short');
    assert.equal(index.firstMatch('one two four three'), undefined);
    assert.deepEqual(index.firstMatch('x beta gamma delta epsilon zeta y'), { item: 'long', ngram: 'beta gamma delta epsilon zeta' });
  });
});
