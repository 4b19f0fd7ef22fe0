import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DecontaminationReport } from '../../../../src/core/curation/decontaminate';
import { convertStep } from '../../../../src/core/pipeline/run/steps/convertStep';
import { decontaminateStep } from '../../../../src/core/pipeline/run/steps/decontaminateStep';
import { exportStep } from '../../../../src/core/pipeline/run/steps/exportStep';
import { seededRandom } from '../../../../src/core/random';
import { sharedDataFile } from '../../../support/sharedData';
import { location, stepHarness } from './stepContext';

type Row = Record<string, unknown>;
const jsonl = (file: string): Row[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);

describe('pipeline steps: decontaminate, convert, export', function () {
  this.timeout(30_000);
  const harness = stepHarness('decontaminate');
  after(() => harness.remove());
  const out = (name: string) => path.join(harness.dir, name);

  it('decontaminate finds MT-bench questions planted with small edits into the Alpaca demo, and keeps the rest byte for byte', async () => {
    const alpaca = (JSON.parse(readFileSync(sharedDataFile('llamafactory-alpaca_en_demo.json'), 'utf8')) as Row[]).slice(0, 200);
    const questions = readFileSync(sharedDataFile('mt_bench_question.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { question_id: number; turns: string[] });
    const random = seededRandom('planted-mt-bench');
    const rows = [...alpaca];
    for (const question of questions.filter((q) => (q.turns[0] ?? '').split(' ').length > 30).slice(0, 8)) {
      // A small edit: one word changed near the start, the rest (well over 13 words) intact; case changed too.
      const words = (question.turns[0] as string).split(' ');
      words[1] = 'really';
      const at = 10 + Math.floor(random() * (rows.length - 10));
      rows.splice(at, 0, { instruction: `Please help. ${words.join(' ').toUpperCase()}`, input: '', output: 'Sure.' });
    }
    const plantedLines = rows.flatMap((row, i) => (String(row.instruction).startsWith('Please help.') ? [i + 1] : []));
    const input = out('planted.jsonl');
    writeFileSync(input, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    const output = out('01-decontaminate.jsonl');
    const result = await decontaminateStep({ type: 'decontaminate', id: 'decontaminate', index: 1, location, against: [sharedDataFile('mt_bench_question.jsonl')] }, harness.context(input, output));
    const report = JSON.parse(readFileSync(result.files?.report ?? '', 'utf8')) as DecontaminationReport;
    assert.equal(plantedLines.length, 8);
    assert.deepEqual(report.contaminated.map((c) => c.line), plantedLines);
    assert.equal(result.details?.contaminated, 8);
    assert.equal(result.rowsOut, alpaca.length);
    const inputLines = readFileSync(input, 'utf8').split('\n').filter(Boolean);
    assert.equal(readFileSync(output, 'utf8'), inputLines.filter((_, i) => !plantedLines.includes(i + 1)).join('\n') + '\n');
  });

  it('convert turns the DPO demo (ShareGPT preference, a JSON array) into TRL preference rows; rows already in form stay byte for byte', async () => {
    const output = out('02-convert.jsonl');
    const result = await convertStep({ type: 'convert', id: 'convert', index: 2, location, to: 'messages' }, harness.context(sharedDataFile('llamafactory-dpo_en_demo.json'), output));
    assert.equal(result.rowsOut, 300);
    assert.equal(result.details?.converted, 300);
    assert.ok(jsonl(output).every((row) => Array.isArray(row.prompt) && Array.isArray(row.chosen)));

    const mixed = out('mixed.jsonl');
    const already = '{ "messages" : [{"role":"user","content":"hi"}] }';
    writeFileSync(mixed, `${already}\n{"conversations":[{"from":"human","value":"yo"}]}\n`);
    const converted = out('03-convert.jsonl');
    await convertStep({ type: 'convert', id: 'convert', index: 3, location, to: 'messages' }, harness.context(mixed, converted));
    assert.equal(readFileSync(converted, 'utf8'), `${already}\n{"messages":[{"role":"user","content":"yo"}]}\n`);
  });

  it('convert refuses a row it cannot convert at its line, writing nothing', async () => {
    const bad = out('bad-convert.jsonl');
    writeFileSync(bad, '{"conversations":[{"from":"human","value":"a"}]}\n{"conversations":[{"from":"function_call","value":"{}"}]}\n');
    const output = out('04-convert.jsonl');
    await assert.rejects(convertStep({ type: 'convert', id: 'convert', index: 4, location, to: 'messages' }, harness.context(bad, output)), /bad-convert\.jsonl:2:1: cannot convert at conversations\.0\.from: .*nothing written/);
    assert.equal(existsSync(output), false);
  });

  it('export writes the training file without "distillery" (a JSON array for .json) and passes the rows through as its output', async () => {
    const lines = ['{"prompt":"p1","completion":"c1","distillery":{"teacher":{"model":"m"}}}', '{ "prompt": "p2", "completion": "c2" }'];
    const input = out('judged.jsonl');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const to = out('train.json');
    const output = out('05-export.jsonl');
    const result = await exportStep({ type: 'export', id: 'export', index: 5, location, to }, harness.context(input, output));
    assert.deepEqual(JSON.parse(readFileSync(to, 'utf8')), [{ prompt: 'p1', completion: 'c1' }, { prompt: 'p2', completion: 'c2' }]);
    assert.equal(readFileSync(output, 'utf8'), readFileSync(input, 'utf8'), 'the output is the input as read');
    assert.deepEqual(result.details, { exported: 2, metadataStripped: 1 });
    assert.equal(result.files?.export, to);

    const keep = out('train.jsonl');
    await exportStep({ type: 'export', id: 'export', index: 6, location, to: keep, stripMetadata: false }, harness.context(input, out('06-export.jsonl')));
    assert.equal(readFileSync(keep, 'utf8'), readFileSync(input, 'utf8'), 'with stripMetadata false, every row byte for byte');
  });
});
