import * as assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../../../src/core/errors/located';
import { parseFewShotExamples, readFewShotExamples } from '../../../src/core/tasks/fewShot';
import { tempDir } from './support';

const example = { prompt: 'Is the sun cold?', answer: 'Yes.', critique: 'Wrong.', revision: 'No, it is hot.' };

describe('tasks: few-shot examples file', () => {
  it('reads JSONL and JSON arrays (extra keys ignored, a BOM and CRLF allowed)', async () => {
    const jsonl = `\uFEFF${JSON.stringify({ ...example, id: 1 })}\r\n\r\n${JSON.stringify(example)}\r\n`;
    assert.deepEqual(parseFewShotExamples(jsonl, 'shots.jsonl'), [example, example]);
    assert.deepEqual(parseFewShotExamples(JSON.stringify([example], null, 2), 'shots.json'), [example]);
    const { dir, remove } = await tempDir();
    try {
      await writeFile(path.join(dir, 'f.jsonl'), JSON.stringify(example));
      assert.deepEqual(await readFewShotExamples(path.join(dir, 'f.jsonl'), 'f.jsonl'), [example]);
      await assert.rejects(readFewShotExamples(path.join(dir, 'missing.jsonl'), 'missing.jsonl'), /missing\.jsonl: cannot read \(ENOENT\)/);
    } finally {
      await remove();
    }
  });

  it('problems are reported at FILE:LINE:COLUMN', () => {
    const line2 = (text: string) => `${JSON.stringify(example)}\n${text}\n`;
    const cases: Array<[string, string, string]> = [
      ['a.jsonl', line2('{"prompt": oops}'), 'a.jsonl:2:12: invalid symbol'],
      ['a.jsonl', line2(JSON.stringify({ prompt: 'p', answer: 'a', critique: 'c' })), 'a.jsonl:2:1: the example has no "revision"'],
      ['a.jsonl', line2(`  ${JSON.stringify({ ...example, answer: 3 })}`), `a.jsonl:2:${3 + JSON.stringify({ ...example, answer: 3 }).indexOf('3')}: "answer" must be a string, not a number`],
      ['a.jsonl', line2('[1]'), 'a.jsonl:2:1: an example is a JSON object with prompt, answer, critique, revision, not an array'],
      ['b.json', `[\n  ${JSON.stringify(example)},\n  {"prompt": "p", "answer": "a", "critique": "", "revision": "r"}\n]`, 'b.json:3:46: "critique" is empty'],
      ['b.json', '{"prompt": 1}', 'b.json:1:1: a few-shot JSON file holds an array of examples'],
      ['c.jsonl', '\n\n', 'c.jsonl: no examples in the file'],
    ];
    for (const [file, text, message] of cases) {
      assert.throws(() => parseFewShotExamples(text, file), (error: unknown) => error instanceof InputError && error.message === message ? true : assert.fail(`${file}: ${String((error as Error).message)} ≠ ${message}`));
    }
  });
});
