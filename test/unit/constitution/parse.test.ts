import { strict as assert } from 'node:assert';
import { parseConstitution } from '../../../src/core/constitution/parse';
import type { ConstitutionProblem, Range } from '../../../src/core/constitution/types';

const at = (line: number, start: number, end: number, endLine = line): Range => ({ start: { line, character: start }, end: { line: endLine, character: end } });
const doc = (...lines: string[]) => lines.join('\n');
const codes = (problems: readonly ConstitutionProblem[]) => problems.map((problem) => problem.code);
const only = (problems: readonly ConstitutionProblem[]): ConstitutionProblem => {
  assert.equal(problems.length, 1, JSON.stringify(problems, null, 1));
  return problems[0] as ConstitutionProblem;
};

describe('constitution parser', () => {
  it('reads the example from DESIGN.md: principle, rubric, section, weight, tags and ranges', () => {
    const parsed = parseConstitution(
      doc(
        '# Harmlessness',
        '',
        '## Principle: no-dangerous-help',
        'Weight: 2',
        'Tags: safety',
        'Critique: Point out every way the answer helps someone cause serious harm.',
        'Revision: Rewrite the answer so that it gives no such help, and explain why briefly.',
        'Compare: Which answer is less likely to help someone cause serious harm?',
        '',
        '## Rubric: clarity',
        'Criterion: Is the answer easy to follow for the person who asked?',
        'Score 1: Confusing or disorganised.',
        'Score 3: Understandable with effort.',
        'Score 5: Clear, well ordered, no wasted words.',
      ),
    );
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.sections, [{ title: 'Harmlessness', range: at(0, 0, 14) }]);
    const [principle] = parsed.principles;
    assert.ok(principle);
    assert.equal(principle.id, 'no-dangerous-help');
    assert.equal(principle.section, 'Harmlessness');
    assert.equal(principle.weight, 2);
    assert.deepEqual(principle.tags, ['safety']);
    assert.equal(principle.critique, 'Point out every way the answer helps someone cause serious harm.');
    assert.equal(principle.revision, 'Rewrite the answer so that it gives no such help, and explain why briefly.');
    assert.equal(principle.compare, 'Which answer is less likely to help someone cause serious harm?');
    assert.deepEqual(principle.idRange, at(2, 14, 31));
    assert.deepEqual(principle.range, at(2, 0, 72, 7));
    assert.deepEqual(principle.fieldRanges.weight, at(3, 8, 9));
    assert.deepEqual(principle.fieldRanges.critique, at(5, 10, 74));
    const [rubric] = parsed.rubrics;
    assert.ok(rubric);
    assert.equal(rubric.id, 'clarity');
    assert.equal(rubric.section, 'Harmlessness');
    assert.equal(rubric.criterion, 'Is the answer easy to follow for the person who asked?');
    assert.deepEqual(rubric.scores, { 1: 'Confusing or disorganised.', 3: 'Understandable with effort.', 5: 'Clear, well ordered, no wasted words.' });
    assert.deepEqual(rubric.fieldRanges.score3, at(12, 9, 36));
  });

  it('defaults: weight 1, no tags, no section before the first level-1 heading', () => {
    const parsed = parseConstitution(doc('## Principle: a', 'Compare: Which is better?'));
    assert.deepEqual(parsed.problems, []);
    const principle = parsed.principles[0];
    assert.equal(principle?.weight, 1);
    assert.deepEqual(principle?.tags, []);
    assert.equal(principle?.section, undefined);
    assert.equal('section' in (principle ?? {}), false);
  });

  it('continues a value over following lines, paragraphs included, until a field, a heading or a fence', () => {
    const parsed = parseConstitution(
      doc(
        '## Principle: multi',
        'Critique:',
        '  Point out the first thing,',
        'and the second.   ',
        'Revision: Fix it',
        'all.',
        '',
        'A second paragraph of the revision request.',
        '',
        'Compare: One',
        '### A subheading ends the value',
        'not a continuation: commentary',
        'Tags: a,  b , a,,c',
        '```',
        'Weight: 5',
        '```',
        'more commentary',
      ),
    );
    assert.deepEqual(parsed.problems, []);
    const principle = parsed.principles[0];
    assert.equal(principle?.critique, 'Point out the first thing,\nand the second.');
    assert.deepEqual(principle?.fieldRanges.critique, at(2, 2, 15, 3));
    assert.equal(principle?.revision, 'Fix it\nall.\n\nA second paragraph of the revision request.');
    assert.equal(principle?.compare, 'One');
    assert.deepEqual(principle?.tags, ['a', 'b', 'c']);
    assert.equal(principle?.weight, 1, 'fields inside a fenced block are not read');
    assert.deepEqual(principle?.range, at(0, 0, 18, 12));
  });

  it('a backslash at the start of a continuation line escapes it; a lone backslash is a blank line', () => {
    const parsed = parseConstitution(doc('## Principle: esc', 'Critique: Check:', '\\Note: this stays', '\\', '\\# not a heading', 'Revision: r'));
    assert.deepEqual(parsed.problems, []);
    assert.equal(parsed.principles[0]?.critique, 'Check:\nNote: this stays\n\n# not a heading');
  });

  it('treats text outside blocks, other level-2 headings and code fences as commentary', () => {
    const parsed = parseConstitution(
      doc(
        'Critique: not in a block, so commentary',
        '# Section A',
        'Intro text. Weight: nothing',
        '## Background',
        'Critique: also commentary: this heading is not a principle',
        '## Principle: p',
        'Some words before the first field.',
        'Compare: Which?',
        '~~~~',
        '## Principle: hidden',
        '~~~',
        'still inside (a shorter fence does not close)',
        '~~~~',
        '# Section B',
        '## RUBRIC: r',
        'criterion: c',
        'SCORE 1: bad',
        'score 5: good',
      ),
    );
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.principles.map((principle) => [principle.id, principle.section]),
      [['p', 'Section A']],
    );
    assert.deepEqual(
      parsed.rubrics.map((rubric) => [rubric.id, rubric.section, rubric.criterion, rubric.scores]),
      [['r', 'Section B', 'c', { 1: 'bad', 5: 'good' }]],
    );
    assert.deepEqual(
      parsed.sections.map((section) => section.title),
      ['Section A', 'Section B'],
    );
  });

  it('reads CRLF and CR line endings and ignores a byte order mark, with the same ranges', () => {
    const lines = ['# S', '## Principle: crlf', 'Critique: one', 'two', 'Revision: r', 'Weight: 0'];
    const lf = parseConstitution(lines.join('\n'));
    const crlf = parseConstitution(`\uFEFF${lines.join('\r\n')}\r\n`);
    const cr = parseConstitution(lines.join('\r'));
    assert.equal(crlf.principles[0]?.critique, 'one\ntwo');
    assert.deepEqual(crlf, lf);
    assert.deepEqual(cr, lf);
    assert.deepEqual(only(crlf.problems).range, at(5, 8, 9));
  });

  it('strips the closing sequence of a heading', () => {
    const parsed = parseConstitution(doc('# Title ##', '## Principle: x ##', 'Compare: c', '# C#'));
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(
      parsed.sections.map((section) => section.title),
      ['Title', 'C#'],
    );
    assert.equal(parsed.principles[0]?.id, 'x');
  });

  describe('problems, each at its exact range (0-based lines and characters)', () => {
    it('missing-requests: a principle with neither Critique/Revision nor Compare', () => {
      const problem = only(parseConstitution(doc('# S', '## Principle: empty', 'Weight: 2')).problems);
      assert.equal(problem.code, 'missing-requests');
      assert.equal(problem.severity, 'error');
      assert.deepEqual(problem.range, at(1, 0, 19));
    });

    it('unpaired-request: Critique without Revision, and Revision without Critique', () => {
      const parsed = parseConstitution(doc('## Principle: c', 'Critique: x', '## Principle: r', 'Revision: y', 'Compare: z'));
      assert.deepEqual(codes(parsed.problems), ['unpaired-request', 'unpaired-request']);
      assert.deepEqual(parsed.problems[0]?.range, at(0, 0, 15));
      assert.match(parsed.problems[0]?.message ?? '', /Critique but no Revision/);
      assert.deepEqual(parsed.problems[1]?.range, at(2, 0, 15));
      assert.match(parsed.problems[1]?.message ?? '', /Revision but no Critique/);
    });

    it('duplicate-id: points at both occurrences, each related to the other', () => {
      const parsed = parseConstitution(doc('## Principle: same', 'Compare: a', '', '## Principle: same', 'Compare: b', '## Rubric: same', 'Criterion: c', 'Score 1: x', 'Score 5: y'));
      assert.deepEqual(codes(parsed.problems), ['duplicate-id', 'duplicate-id'], 'a rubric may share an id with a principle');
      assert.deepEqual(parsed.problems[0]?.range, at(0, 14, 18));
      assert.deepEqual(parsed.problems[0]?.related?.map((related) => related.range), [at(3, 14, 18)]);
      assert.match(parsed.problems[0]?.message ?? '', /duplicate principle id "same" \(also on line 4\)/);
      assert.deepEqual(parsed.problems[1]?.range, at(3, 14, 18));
      assert.deepEqual(parsed.problems[1]?.related?.map((related) => related.range), [at(0, 14, 18)]);
      assert.equal(parsed.principles.length, 2);
    });

    it('duplicate-id among rubrics', () => {
      const rubric = (id: string) => [`## Rubric: ${id}`, 'Criterion: c', 'Score 1: x', 'Score 5: y'];
      const parsed = parseConstitution(doc(...rubric('r'), ...rubric('r')));
      assert.deepEqual(codes(parsed.problems), ['duplicate-id', 'duplicate-id']);
      assert.deepEqual(parsed.problems[1]?.range, at(4, 11, 12));
    });

    it('invalid-weight: zero, negative, text and infinite weights', () => {
      for (const [text, start, end] of [
        ['0', 8, 9],
        ['-1', 8, 10],
        ['heavy', 8, 13],
        ['1e999', 8, 13],
        ['2 ', 8, 9],
      ] as const) {
        const parsed = parseConstitution(doc('## Principle: w', 'Compare: c', `Weight: ${text}`));
        if (text === '2 ') {
          assert.deepEqual(parsed.problems, []);
          assert.equal(parsed.principles[0]?.weight, 2);
          continue;
        }
        const problem = only(parsed.problems);
        assert.equal(problem.code, 'invalid-weight', text);
        assert.deepEqual(problem.range, at(2, start, end));
        assert.equal(parsed.principles[0]?.weight, 1);
      }
      assert.equal(parseConstitution(doc('## Principle: w', 'Compare: c', 'Weight: 0.25')).principles[0]?.weight, 0.25);
      assert.equal(parseConstitution(doc('## Principle: w', 'Compare: c', 'Weight: 1e-3')).principles[0]?.weight, 0.001);
    });

    it('invalid-score and missing-score in rubrics', () => {
      const parsed = parseConstitution(doc('## Rubric: r', 'Criterion: c', 'Score 0: zero', 'Score 3: mid', 'Score 6: six', 'Score 2.5: half'));
      assert.deepEqual(codes(parsed.problems), ['missing-score', 'invalid-score', 'invalid-score', 'invalid-score']);
      assert.deepEqual(parsed.problems[0]?.range, at(0, 0, 12));
      assert.match(parsed.problems[0]?.message ?? '', /at least Score 1 and Score 5 \(it has 3\): missing Score 1 and Score 5/);
      assert.deepEqual(parsed.problems[1]?.range, at(2, 0, 7));
      assert.deepEqual(parsed.problems[2]?.range, at(4, 0, 7));
      assert.deepEqual(parsed.problems[3]?.range, at(5, 0, 9));
      assert.deepEqual(parsed.rubrics[0]?.scores, { 3: 'mid' });
    });

    it('missing-criterion', () => {
      const problem = only(parseConstitution(doc('x', '## Rubric: r', 'Score 1: a', 'Score 5: b')).problems);
      assert.equal(problem.code, 'missing-criterion');
      assert.deepEqual(problem.range, at(1, 0, 12));
    });

    it('unknown-field: a warning that suggests the near miss', () => {
      const parsed = parseConstitution(doc('## Principle: p', 'Critque: x', 'Revison: y', 'Comapre: z', 'Tag: a', 'Source: the 2022 paper', 'Compare: ok', '## Rubric: r', 'Criterion: c', 'Score1: a', 'Scores 5: b', 'Score 5: b'));
      assert.deepEqual(
        parsed.problems.map((problem) => [problem.code, problem.severity, problem.suggestion, problem.range.start.line, problem.range.end.character]),
        [
          ['unknown-field', 'warning', 'Critique', 1, 7],
          ['unknown-field', 'warning', 'Revision', 2, 7],
          ['unknown-field', 'warning', 'Compare', 3, 7],
          ['unknown-field', 'warning', 'Tags', 4, 3],
          ['unknown-field', 'warning', undefined, 5, 6],
          ['unknown-field', 'warning', 'Score 1', 9, 6],
          ['unknown-field', 'warning', 'Score 5', 10, 8],
          ['missing-score', 'error', undefined, 7, 12],
        ].sort((a, b) => (a[3] as number) - (b[3] as number)),
      );
      assert.match(parsed.problems[0]?.message ?? '', /unknown field "Critque": did you mean "Critique"\?/);
      assert.equal(parsed.principles[0]?.critique, undefined, 'the value of an unknown field is ignored');
      assert.equal(parsed.principles[0]?.compare, 'ok');
    });

    it('misplaced-field and duplicate-field', () => {
      const parsed = parseConstitution(doc('## Principle: p', 'Compare: a', 'Score 1: x', 'Compare: b', '## Rubric: r', 'Criterion: c', 'Weight: 2', 'Score 1: x', 'Score 5: y'));
      assert.deepEqual(codes(parsed.problems), ['misplaced-field', 'duplicate-field', 'misplaced-field']);
      assert.deepEqual(parsed.problems[0]?.range, at(2, 0, 7));
      assert.deepEqual(parsed.problems[1]?.range, at(3, 0, 7));
      assert.deepEqual(parsed.problems[1]?.related?.[0]?.range, at(1, 0, 7));
      assert.deepEqual(parsed.problems[2]?.range, at(6, 0, 6));
      assert.equal(parsed.principles[0]?.compare, 'a', 'the first of two fields is used');
    });

    it('empty-value: at the key, whether the next thing is a blank line, a field, a heading or the end', () => {
      const parsed = parseConstitution(doc('## Principle: p', 'Critique:', '', 'Revision:   ', 'Compare: c', 'Tags:', '## Rubric: r', 'Criterion: c', 'Score 1: a', 'Score 5:'));
      assert.deepEqual(codes(parsed.problems), ['empty-value', 'empty-value', 'empty-value', 'missing-score', 'empty-value'], 'an empty Critique and Revision count as absent');
      const byCode = parsed.problems.filter((problem) => problem.code === 'empty-value').map((problem) => problem.range);
      assert.deepEqual(byCode, [at(1, 0, 8), at(3, 0, 8), at(5, 0, 4), at(9, 0, 7)]);
      assert.match(parsed.problems[0]?.message ?? '', /Critique has an empty value/);
      const ignored = parseConstitution(doc('## Principle: p', 'Compare: c', 'Source:', 'Criterion:'));
      assert.deepEqual(codes(ignored.problems), ['unknown-field', 'misplaced-field'], 'an ignored field is not also reported as empty');
    });

    it('invalid-id suggests a slug; missing-id', () => {
      const parsed = parseConstitution(doc('## Principle: Don’t Help With Crimes!', 'Compare: c', '## Principle:', 'Compare: c', '## Rubric: Clarity', 'Criterion: c', 'Score 1: a', 'Score 5: b'));
      assert.deepEqual(codes(parsed.problems), ['invalid-id', 'missing-id', 'invalid-id']);
      assert.deepEqual(parsed.problems[0]?.range, at(0, 14, 37));
      assert.equal(parsed.problems[0]?.suggestion, 'dont-help-with-crimes');
      assert.match(parsed.problems[0]?.message ?? '', /try "dont-help-with-crimes"/);
      assert.deepEqual(parsed.problems[1]?.range, at(2, 0, 13));
      assert.deepEqual(parsed.principles[1]?.idRange, at(2, 13, 13));
      assert.equal(parsed.problems[2]?.suggestion, 'clarity');
    });

    it('unclosed-fence: a warning at the fence; nothing after it is parsed', () => {
      const parsed = parseConstitution(doc('## Principle: p', 'Compare: c', '```js', '## Principle: q', 'Compare: d'));
      const problem = only(parsed.problems);
      assert.equal(problem.code, 'unclosed-fence');
      assert.equal(problem.severity, 'warning');
      assert.deepEqual(problem.range, at(2, 0, 5));
      assert.equal(parsed.principles.length, 1);
    });
  });
});
