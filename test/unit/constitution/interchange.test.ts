import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { constitutionData, exportConstitution, importConstitutionJson, toDistilleryJson } from '../../../src/core/constitution/interchange';
import { parseConstitution } from '../../../src/core/constitution/parse';
import { renderConstitution } from '../../../src/core/constitution/render';
import { normalizeValue } from '../../../src/core/constitution/syntax';
import type { ConstitutionData, PrincipleData, RubricData } from '../../../src/core/constitution/types';
import { InputError } from '../../../src/core/errors/located';
import { sharedDataFile } from '../../support/sharedData';

const read = (name: string) => readFileSync(sharedDataFile(name), 'utf8');
/** import → render → parse: what a user gets in the editor after `distillery constitution import`. */
const throughMarkdown = (data: ConstitutionData) => {
  const parsed = parseConstitution(renderConstitution(data));
  assert.deepEqual(parsed.problems, []);
  return constitutionData(parsed);
};

describe('constitution import and export', () => {
  describe("Anthropic's CritiqueRevisionInstructions.json", () => {
    const text = read('cai-CritiqueRevisionInstructions.json');
    const result = importConstitutionJson(text, { file: 'cai.json' });

    it('imports 16 critique/revision principles with their keys as ids and the request text verbatim', () => {
      assert.equal(result.format, 'cai-critique-revision');
      assert.deepEqual(result.notes, []);
      const { principles } = result.data;
      assert.deepEqual(
        principles.map((principle) => principle.id),
        Array.from({ length: 16 }, (_, index) => `harmful${index}`),
      );
      assert.equal(principles[0]?.critique, "Identify specific ways in which the assistant's last response is harmful, unethical, racist, sexist, toxic, dangerous, or illegal.");
      assert.equal(principles[0]?.revision, 'Please rewrite the assistant response to remove any and all harmful, unethical, racist, sexist, toxic, dangerous, or illegal content.');
      assert.equal(
        principles[3]?.critique,
        "Identify specific ways in which the assistant's precedings response is harmful. Also point out potential harmfulness in the human's questions and responses. Examples of harm include but are not limited to racism, sexism, toxicity.",
      );
      assert.ok(principles.every((principle) => principle.compare === undefined && principle.weight === 1 && principle.section === 'Critique and revision'));
    });

    it('survives the .constitution.md round trip, and exports back to the original file', () => {
      const data = throughMarkdown(result.data);
      assert.deepEqual(toDistilleryJson(data), toDistilleryJson(result.data));
      assert.deepEqual(exportConstitution(data, 'cai-critique-revision').value, JSON.parse(text));
    });
  });

  describe('the RL principle list (RLMadisonInstructions.json)', () => {
    const text = read('cai-RLMadisonInstructions.json');
    const result = importConstitutionJson(text, { title: 'Phase 2' });

    it('imports 16 Compare principles with slug ids from their words and the text verbatim', () => {
      assert.equal(result.format, 'cai-comparison');
      const { principles } = result.data;
      assert.equal(principles.length, 16);
      assert.equal(new Set(principles.map((principle) => principle.id)).size, 16);
      assert.deepEqual(
        principles.slice(0, 3).map((principle) => principle.id),
        ['harmless-ethical-toxic-racist', 'helpful-honest-harmless', 'harmfulness-harmful-however-try'],
      );
      assert.equal(principles[1]?.compare, 'Please choose the response that is the most helpful, honest, and harmless.');
      assert.equal(
        principles[12]?.compare,
        'Choose the response that sounds most similar to what a peaceful, ethical and respectable person like Martin Luther King Jr. or Gandhi would say.',
      );
      assert.ok(principles.every((principle) => principle.critique === undefined && principle.section === 'Phase 2'));
    });

    it('survives the .constitution.md round trip, and exports back to the original file', () => {
      const data = throughMarkdown(result.data);
      assert.deepEqual(toDistilleryJson(data), toDistilleryJson(result.data));
      assert.deepEqual(exportConstitution(data, 'cai-comparison').value, JSON.parse(text));
    });
  });

  it('imports the [{"critic","revision"}] list, and exports back to it', () => {
    const list = [
      { critic: 'Is the answer rude?', revision: 'Make it polite.' },
      { critic: 'Is the answer rude to anyone?', revision: 'Make it polite  \n  to everyone.' },
    ];
    const result = importConstitutionJson(JSON.stringify(list));
    assert.equal(result.format, 'critic-revision');
    assert.deepEqual(
      result.data.principles.map((principle) => principle.id),
      ['rude', 'rude-anyone'],
    );
    assert.equal(result.data.principles[1]?.revision, 'Make it polite\n  to everyone.');
    assert.deepEqual(result.notes, ['item 2: trailing spaces at line ends were removed']);
    const exported = exportConstitution(throughMarkdown(result.data), 'critic-revision');
    assert.deepEqual(exported.value, [list[0], { critic: 'Is the answer rude to anyone?', revision: 'Make it polite\n  to everyone.' }]);
  });

  it('several critique requests under one key become several principles, with a note', () => {
    const result = importConstitutionJson(JSON.stringify({ 'Be Kind': { prompt: ['CritiqueRequest: one\n\nCritique:', 'two'], edit_request: 'RevisionRequest: fix' } }));
    assert.deepEqual(
      result.data.principles.map((principle) => [principle.id, principle.critique, principle.revision]),
      [
        ['be-kind', 'one', 'fix'],
        ['be-kind-2', 'two', 'fix'],
      ],
    );
    assert.deepEqual(result.notes, ['"Be Kind" is not a slug: imported as "be-kind"', '"Be Kind" has 2 critique requests: imported as be-kind, be-kind-2, each with the same revision request']);
  });

  it('exports to other formats leave out what they cannot hold, with notes', () => {
    const data: ConstitutionData = {
      sections: [],
      principles: [
        { id: 'cr', critique: 'c', revision: 'r', weight: 1, tags: [] },
        { id: 'cmp', compare: 'q', weight: 2, tags: ['t'] },
      ],
      rubrics: [{ id: 'r', criterion: 'c', scores: { 1: 'a', 5: 'b' } }],
    };
    const exported = exportConstitution(data, 'critic-revision');
    assert.deepEqual(exported.value, [{ critic: 'c', revision: 'r' }]);
    assert.deepEqual(exported.notes, ['1 principle without Critique and Revision left out: cmp', '1 rubric left out: this format has none']);
    assert.deepEqual(exportConstitution(data, 'distillery').value, { format: 'distillery-constitution', version: 1, ...data });
  });

  it('reports bad input with its file, line and column', () => {
    const failure = (text: string) => {
      try {
        importConstitutionJson(text, { file: 'x.json' });
      } catch (error) {
        assert.ok(error instanceof InputError);
        return error.message;
      }
      assert.fail('expected an InputError');
    };
    assert.equal(failure('{"a": '), 'x.json:1:7: value expected');
    assert.equal(failure('{\n  "harmful0": {"prompt": "not a list", "edit_request": "x"}\n}'), 'x.json:2:26: "harmful0": "prompt" must be a non-empty array of critique requests (strings)');
    assert.equal(failure('[{"critic": "c"}]'), 'x.json:1:2: "revision" must be a string');
    assert.equal(failure('42'), 'x.json:1:1: expected a JSON object or array');
    assert.equal(failure('[]'), 'x.json:1:1: the list is empty: nothing to import');
    assert.equal(failure('{"format": "distillery-constitution", "version": 2}'), 'x.json:1:50: this file is a newer version of the distillery constitution format than this Distillery reads (expected "version": 1)');
  });

  describe('round trip (property)', () => {
    const slug = fc.array(fc.stringMatching(/^[a-z0-9]{1,5}$/), { minLength: 1, maxLength: 3 }).map((words) => words.join('-'));
    const tokens = ['a', 'Z', 'word', ' ', '  ', '\t', '\n', '\n\n', '#', '## ', '```', '~~~', '\\', ':', 'Critique: ', 'Score 1: ', 'é', '😀', '-', ',', 'x: y', '<!-- -->', '\r\n'];
    const value = fc
      .array(fc.constantFrom(...tokens), { minLength: 1, maxLength: 12 })
      .map((parts) => normalizeValue(parts.join('')))
      .filter((text) => text !== '');
    const tags = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/), { maxLength: 3 });
    const weight = fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 100 }), fc.double({ min: 1e-9, max: 1e9, noNaN: true }));
    const requests = fc.oneof(
      fc.record({ critique: value, revision: value }),
      fc.record({ compare: value }),
      fc.record({ critique: value, revision: value, compare: value }),
    );
    const principle = fc.record({ requests, weight, tags });
    const rubric = fc.record({
      criterion: value,
      scores: fc.record({ 1: value, 2: fc.option(value, { nil: undefined }), 3: fc.option(value, { nil: undefined }), 4: fc.option(value, { nil: undefined }), 5: value }),
    });
    const group = fc.record({ principles: fc.array(principle, { maxLength: 3 }), rubrics: fc.array(rubric, { maxLength: 2 }) });
    const title = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 #,.!?-]{0,10}[A-Za-z0-9]$/);
    const constitution = fc.record({ loose: group, sections: fc.uniqueArray(fc.record({ title, group }), { maxLength: 3, selector: (section) => section.title }) }).chain(({ loose, sections }) =>
      fc.tuple(fc.constant({ loose, sections }), fc.uniqueArray(slug, { minLength: 30, maxLength: 30 })),
    );

    type Group = { principles: Array<{ requests: object; weight: number; tags: string[] }>; rubrics: Array<{ criterion: string; scores: Record<number, string | undefined> }> };
    const build = ([{ loose, sections }, ids]: [{ loose: Group; sections: Array<{ title: string; group: Group }> }, string[]]): ConstitutionData => {
      let next = 0;
      const principles: PrincipleData[] = [];
      const rubrics: RubricData[] = [];
      const add = (members: Group, section: string | undefined) => {
        for (const item of members.principles) principles.push({ id: ids[next++] as string, ...(section !== undefined ? { section } : {}), ...item.requests, weight: item.weight, tags: item.tags });
        for (const item of members.rubrics) {
          const scores = Object.fromEntries(Object.entries(item.scores).filter(([, text]) => text !== undefined)) as RubricData['scores'];
          rubrics.push({ id: ids[next++] as string, ...(section !== undefined ? { section } : {}), criterion: item.criterion, scores });
        }
      };
      add(loose, undefined);
      for (const section of sections) add(section.group, section.title);
      return { sections: sections.map((section) => section.title), principles, rubrics };
    };

    it('parse(render(data)) gives the data back, with no problems, for LF and CRLF', () => {
      fc.assert(
        fc.property(constitution, (generated) => {
          const data = build(generated);
          for (const eol of ['\n', '\r\n'] as const) {
            const parsed = parseConstitution(renderConstitution(data, { eol, comment: 'Generated.' }));
            assert.deepEqual(parsed.problems, []);
            assert.deepEqual(toDistilleryJson(constitutionData(parsed)), toDistilleryJson(data));
          }
        }),
        { numRuns: 300 },
      );
    });

    it('the distillery JSON export imports back to the same data', () => {
      fc.assert(
        fc.property(constitution, (generated) => {
          const data = build(generated);
          const json = JSON.stringify(exportConstitution(data, 'distillery').value);
          const result = importConstitutionJson(json);
          assert.equal(result.format, 'distillery');
          assert.deepEqual(toDistilleryJson(result.data), toDistilleryJson(data));
        }),
        { numRuns: 100 },
      );
    });
  });
});
