import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConstitution } from '../../../src/core/constitution/parse';

const examples = path.resolve(__dirname, '../../../examples');
const files = readdirSync(examples).filter((name) => name.endsWith('.constitution.md'));

describe('example constitutions', () => {
  it('there are the three examples (harmlessness, helpfulness and honesty, rubrics)', () => {
    assert.deepEqual(files.sort(), ['harmlessness.constitution.md', 'helpfulness-honesty.constitution.md', 'rubrics.constitution.md']);
  });

  for (const file of files) {
    it(`${file} parses with no problems, every principle with all three requests and every rubric with five scores`, () => {
      const document = parseConstitution(readFileSync(path.join(examples, file), 'utf8'));
      assert.deepEqual(document.problems, []);
      assert.ok(document.principles.length + document.rubrics.length > 0);
      for (const principle of document.principles) {
        assert.ok(principle.critique && principle.revision && principle.compare, principle.id);
        assert.ok(principle.tags.length > 0, principle.id);
        assert.ok(principle.section, principle.id);
      }
      for (const rubric of document.rubrics) {
        assert.ok(rubric.criterion, rubric.id);
        assert.deepEqual(Object.keys(rubric.scores), ['1', '2', '3', '4', '5'], rubric.id);
      }
    });
  }

  it('the rubric set covers instruction following, honesty, truthfulness and helpfulness', () => {
    const document = parseConstitution(readFileSync(path.join(examples, 'rubrics.constitution.md'), 'utf8'));
    assert.deepEqual(
      document.rubrics.map((rubric) => rubric.id),
      ['instruction-following', 'honesty', 'truthfulness', 'helpfulness'],
    );
  });
});
