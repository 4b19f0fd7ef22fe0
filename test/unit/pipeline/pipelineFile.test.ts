import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InputError, lineColumnAt } from '../../../src/core/errors/located';
import { PipelineFileError, checkPipelineText, loadPipeline, parsePipelineText } from '../../../src/core/pipeline/run/pipelineFile';
import type { PipelineProblem } from '../../../src/core/pipeline/run/pipelineFile';

/** Lines joined with \n, so that each test shows where things are. */
const lines = (...text: string[]): string => text.join('\n');

describe('pipeline: the pipeline file', () => {
  let folder: string;
  let file: string;
  const env = { HOME: '/home/someone' };

  beforeEach(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'distillery-pipeline-'));
    file = path.join(folder, 'demo.distillery.jsonc');
    writeFileSync(path.join(folder, 'prompts.jsonl'), '{"prompt":"hi"}\n');
    writeFileSync(path.join(folder, 'seeds.jsonl'), '{"instruction":"write a haiku"}\n');
    writeFileSync(path.join(folder, 'rules.constitution.md'), '# Rules\n');
    mkdirSync(path.join(folder, 'bench'));
    writeFileSync(path.join(folder, 'bench', 'gsm8k.jsonl'), '{"question":"1+1"}\n');
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  /** The problems of a text that must be refused, as "line:column message". */
  function problemsOf(text: string, environment: NodeJS.ProcessEnv = env): PipelineProblem[] {
    const { pipeline, problems } = checkPipelineText(text, file, environment);
    assert.equal(pipeline, undefined, 'expected the pipeline to be refused');
    assert.ok(problems.length > 0);
    return problems;
  }

  /** "line:column" of the first occurrence of `needle` in `text` (the `nth` one when given). */
  function placeOf(text: string, needle: string, nth = 1): string {
    let offset = -1;
    for (let i = 0; i < nth; i++) offset = text.indexOf(needle, offset + 1);
    assert.ok(offset >= 0, `"${needle}" not in the text`);
    const { line, column } = lineColumnAt(text, offset);
    return `${line}:${column}`;
  }

  const placed = (problem: PipelineProblem): string => `${problem.location.line}:${problem.location.column}`;

  /** Asserts exactly one problem, at `needle`, whose message matches. */
  function refusedAt(text: string, needle: string, message: RegExp, nth = 1): void {
    const problems = problemsOf(text);
    assert.equal(problems.length, 1, problems.map((p) => p.message).join('\n'));
    const [problem] = problems;
    assert.ok(problem);
    assert.equal(problem.location.file, file);
    assert.equal(placed(problem), placeOf(text, needle, nth), problem.message);
    assert.match(problem.message, message);
  }

  it('reads a full pipeline with absolute paths, defaults, ids and the sha256 of the text', () => {
    const text = lines(
      '{',
      '  // a comment, and trailing commas, as JSONC allows',
      '  "$schema": "../schemas/pipeline.schema.json",',
      '  "input": "prompts.jsonl",',
      '  "steps": [',
      '    { "type": "generate", "n": 2, "temperature": 0.3, "filters": { "minChars": 10, "dedupe": "near" } },',
      '    { "type": "critique-revise", "constitution": "rules.constitution.md", "pairs": true },',
      '    { "type": "judge", "samples": 3 },',
      '    { "type": "dedup", "threshold": 0.9 },',
      '    { "type": "dedup", "field": "answer", "input": "generate" },',
      '    { "id": "clean", "type": "decontaminate", "against": "bench/gsm8k.jsonl", "ngram": 8 },',
      '    { "type": "filter", "minScore": 3, "verdict": "A" },',
      '    { "type": "balance", "by": "teacher", "cap": 10, "random": true },',
      '    { "type": "balance", "by": "kind", "equal": true, "upsample": true, "seed": "s" },',
      '    { "type": "convert", "to": "messages" },',
      '    { "type": "export", "to": "train.jsonl" },',
      '    { "type": "report", "against": "prompts.jsonl", "maxTeacherShare": 0.6 },',
      '  ],',
      '}',
    );
    const pipeline = parsePipelineText(text, file, env);
    assert.equal(pipeline.name, 'demo');
    assert.equal(pipeline.file, file);
    assert.equal(pipeline.input, path.join(folder, 'prompts.jsonl'));
    assert.equal(pipeline.outputDir, path.join(folder, 'demo.out'));
    assert.equal(pipeline.models, undefined);
    assert.equal(pipeline.sha256, createHash('sha256').update(text).digest('hex'));
    assert.deepEqual(pipeline.steps.map((step) => step.id), [
      'generate', 'critique-revise', 'judge', 'dedup', 'dedup-2', 'clean', 'filter', 'balance', 'balance-2', 'convert', 'export', 'report',
    ]);
    assert.deepEqual(pipeline.steps.map((step) => step.index), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const [generate, critique, , , dedup2, clean, filter, cap, equal, , exported, report] = pipeline.steps;
    assert.deepEqual(generate, {
      id: 'generate', index: 1, type: 'generate', n: 2, temperature: 0.3, filters: { minChars: 10, dedupe: 'near' },
      location: { file, line: 6, column: 5 },
    });
    assert.equal(critique?.type === 'critique-revise' && critique.constitution, path.join(folder, 'rules.constitution.md'));
    assert.deepEqual(dedup2?.input, { step: 'generate' });
    assert.deepEqual(clean?.type === 'decontaminate' && clean.against, [path.join(folder, 'bench', 'gsm8k.jsonl')]);
    assert.deepEqual(filter, { id: 'filter', index: 7, type: 'filter', minScore: 3, verdict: 'A', location: { file, line: 12, column: 5 } });
    assert.deepEqual(cap?.type === 'balance' && cap.settings, { mode: 'cap', cap: 10, random: true });
    assert.deepEqual(equal?.type === 'balance' && equal.settings, { mode: 'equal', upsample: true, seed: 's' });
    assert.equal(exported?.type === 'export' && exported.to, path.join(folder, 'train.jsonl'));
    assert.deepEqual(report?.type === 'report' && report.against, { file: path.join(folder, 'prompts.jsonl') });
  });

  it('takes "name", "outputDir", "concurrency" and "cache" when given; paths resolve against the file\'s folder', () => {
    const pipeline = parsePipelineText(
      '{ "name": "nightly", "input": "./prompts.jsonl", "outputDir": "../out/x", "concurrency": 4, "cache": false, "steps": [{ "type": "dedup" }] }',
      file, env,
    );
    assert.equal(pipeline.name, 'nightly');
    assert.equal(pipeline.outputDir, path.resolve(folder, '..', 'out', 'x'));
    assert.equal(pipeline.concurrency, 4);
    assert.equal(pipeline.cache, false);
  });

  it('lets a self-instruct step start a pipeline without input', () => {
    const pipeline = parsePipelineText('{ "steps": [{ "type": "self-instruct", "seeds": "seeds.jsonl", "count": 40 }, { "type": "generate" }] }', file, env);
    assert.equal(pipeline.input, undefined);
    assert.deepEqual(pipeline.steps[0], {
      id: 'self-instruct', index: 1, type: 'self-instruct', seeds: path.join(folder, 'seeds.jsonl'), count: 40, location: { file, line: 1, column: 13 },
    });
  });

  it('reports a JSONC syntax error at its place, alone', () => {
    const text = lines('{', '  "input": "prompts.jsonl"', '  "steps": []', '}');
    refusedAt(text, '"steps"', /comma expected/);
  });

  it('reports an unknown key with a "did you mean" for a near miss', () => {
    const text = lines('{', '  "input": "prompts.jsonl",', '  "steps": [', '    { "type": "dedup", "treshold": 0.9 }', '  ]', '}');
    refusedAt(text, '"treshold"', /unknown field "treshold" in a "dedup" step \(did you mean "threshold"\?\)/);
    refusedAt('{ "inptu": "prompts.jsonl", "steps": [{ "type": "self-instruct", "seeds": "seeds.jsonl", "count": 1 }] }', '"inptu"', /did you mean "input"/);
  });

  it('reports an unknown step type, naming the known ones', () => {
    const text = lines('{ "input": "prompts.jsonl", "steps": [', '  { "type": "dedupe" }', '] }');
    const problems = problemsOf(text);
    assert.equal(problems.length, 1);
    assert.equal(placed(problems[0]!), placeOf(text, '"dedupe"'));
    assert.match(problems[0]!.message, /unknown step type "dedupe" \(did you mean "dedup"\?\) \(known: self-instruct, generate, critique-revise, judge, score, dedup, decontaminate, filter, balance, convert, export, report\)/);
  });

  it('reports wrong types and ranges at the value', () => {
    const text = lines(
      '{ "input": "prompts.jsonl", "concurrency": 0, "steps": [',
      '  { "type": "generate", "n": 0, "temperature": "hot" },',
      '  { "type": "dedup", "threshold": 1 },',
      '  { "type": "decontaminate", "against": "bench/gsm8k.jsonl", "ngram": 0 },',
      '  { "type": "filter", "verdict": "C", "minLength": 2.5 },',
      '  { "type": "report", "maxSyntheticShare": 0 },',
      '] }',
    );
    const problems = problemsOf(text);
    assert.deepEqual(problems.map((p) => [placed(p), p.message]), [
      [placeOf(text, '0,'), '"concurrency" must be a whole number from 1 to 1024'],
      [placeOf(text, '0, "temp'), '"n" must be a whole number ≥ 1'],
      [placeOf(text, '"hot"'), '"temperature" must be a number from 0 to 2'],
      [placeOf(text, '1 }'), '"threshold" must be a number between 0 and 1 (exclusive)'],
      [placeOf(text, '0 },'), '"ngram" must be a whole number ≥ 1'],
      [placeOf(text, '"C"'), '"verdict" must be one of A, B, tie, not "C"'],
      [placeOf(text, '2.5'), '"minLength" must be a whole number ≥ 0'],
      [placeOf(text, '0 }', 2), '"maxSyntheticShare" must be a number above 0, at most 1'],
    ]);
  });

  it('reports duplicate step ids, explicit or by default', () => {
    const text = lines(
      '{ "input": "prompts.jsonl", "steps": [',
      '  { "id": "clean", "type": "dedup" },',
      '  { "id": "clean", "type": "filter" },',
      '  { "id": "filter", "type": "dedup" },',
      '  { "type": "filter" },',
      '] }',
    );
    const problems = problemsOf(text);
    assert.deepEqual(problems.map((p) => [placed(p), p.message]), [
      [placeOf(text, '"clean"', 2), 'step id "clean" is already the id of step 1'],
      [placeOf(text, '{ "type": "filter" }'), 'step 4\'s id would be "filter", already the id of step 3: give it an "id"'],
    ]);
  });

  it('refuses an "input" naming a later step or the step itself, and a missing file', () => {
    const text = lines(
      '{ "input": "prompts.jsonl", "steps": [',
      '  { "type": "dedup", "input": "final" },',
      '  { "type": "filter", "input": "filter" },',
      '  { "type": "convert", "to": "messages", "input": "nowhere.jsonl" },',
      '  { "id": "final", "type": "report", "against": "convert" },',
      '] }',
    );
    const problems = problemsOf(text);
    assert.deepEqual(problems.map((p) => [placed(p), p.message]), [
      [placeOf(text, '"final"'), '"input" names step 4 ("final"), which runs later: a step can only read an earlier one'],
      [placeOf(text, '"filter" }'), '"input" names this step itself: it can only read an earlier step'],
      [placeOf(text, '"nowhere.jsonl"'), '"input" is neither an earlier step\'s id nor a file: nowhere.jsonl'],
    ]);
  });

  it('refuses required files that do not exist, at the path string', () => {
    const text = lines(
      '{ "input": "missing.jsonl", "steps": [',
      '  { "type": "self-instruct", "seeds": "no-seeds.jsonl", "count": 3 },',
      '  { "type": "critique-revise", "constitution": "gone.constitution.md" },',
      '  { "type": "decontaminate", "against": ["bench/gsm8k.jsonl", "bench/mmlu.jsonl"] },',
      '] }',
    );
    const problems = problemsOf(text);
    assert.deepEqual(problems.map((p) => [placed(p), p.message]), [
      [placeOf(text, '"missing.jsonl"'), '"input": no such file: missing.jsonl'],
      [placeOf(text, '"no-seeds.jsonl"'), '"seeds": no such file: no-seeds.jsonl'],
      [placeOf(text, '"gone.constitution.md"'), '"constitution": no such file: gone.constitution.md'],
      [placeOf(text, '"bench/mmlu.jsonl"'), '"against": no such file: bench/mmlu.jsonl'],
    ]);
  });

  it('refuses a first step that needs rows when the pipeline has no input, at the step', () => {
    const text = lines('{ "steps": [', '  { "type": "generate" }', '] }');
    refusedAt(text, '{ "type": "generate" }', /the first step \("generate"\) needs rows to read: give the pipeline an "input" dataset, or the step an "input"/);
    // A first step with an input of its own reads that.
    const pipeline = parsePipelineText('{ "steps": [{ "type": "generate", "input": "prompts.jsonl" }] }', file, env);
    assert.deepEqual(pipeline.steps[0]?.input, { file: path.join(folder, 'prompts.jsonl') });
  });

  it('refuses missing required options and option combinations that do not go together', () => {
    const text = lines(
      '{ "input": "prompts.jsonl", "steps": [',
      '  { "type": "convert" },',
      '  { "type": "balance", "by": "teacher", "cap": 3, "equal": true },',
      '  { "type": "judge", "rubric": "clarity" },',
      '  { "type": "filter", "minScore": 4, "maxScore": 2 },',
      '] }',
    );
    const problems = problemsOf(text);
    assert.deepEqual(problems.map((p) => [placed(p), p.message]), [
      [placeOf(text, '{ "type": "convert" }'), 'a "convert" step needs "to"'],
      [placeOf(text, '"equal"'), 'give "cap" or "equal": true, not both'],
      [placeOf(text, '"rubric"'), '"rubric" names a rubric of "constitution": give the constitution too'],
      [placeOf(text, '"maxScore"'), '"maxScore" (2) is below "minScore" (4)'],
    ]);
  });

  describe('the models section', () => {
    const models = lines(
      '{',
      '  "input": "prompts.jsonl",',
      '  "models": {',
      '    "profiles": {',
      '      "local": { "baseURL": "${LOCAL_URL:-http://127.0.0.1:8000/v1}", "model": "${LOCAL_MODEL}" },',
      '      "gpt": { "preset": "openai", "model": "gpt-4o-mini", "apiKeyEnv": "OPENAI_API_KEY" },',
      '    },',
      '    "roles": { "teacher": ["local", "gpt"], "judge": "gpt" },',
      '  },',
      '  "steps": [{ "type": "generate", "teachers": ["local"] }, { "type": "judge", "judges": ["gpt"] }],',
      '}',
    );

    it('reads it inline with ${VAR} and ${VAR:-fallback} taken from the environment', () => {
      const pipeline = parsePipelineText(models, file, { LOCAL_MODEL: 'qwen' });
      assert.equal(pipeline.models?.profiles.get('local')?.model, 'qwen');
      assert.equal(pipeline.models?.profiles.get('local')?.baseURL, 'http://127.0.0.1:8000/v1');
      assert.deepEqual(pipeline.models?.roles, { teachers: ['local', 'gpt'], judges: ['gpt'] });
      const other = parsePipelineText(models, file, { LOCAL_MODEL: 'llama', LOCAL_URL: 'http://10.0.0.2:9000/v1' });
      assert.equal(other.models?.profiles.get('local')?.baseURL, 'http://10.0.0.2:9000/v1');
      assert.equal(other.models?.profiles.get('local')?.model, 'llama');
    });

    it('refuses ${VAR} without a value and without a fallback, at the string', () => {
      const problems = problemsOf(models, {});
      assert.deepEqual(problems.map((p) => [placed(p), p.message]), [
        [placeOf(models, '"${LOCAL_MODEL}"'), '${LOCAL_MODEL} has no value: set the environment variable LOCAL_MODEL, or give a fallback with ${LOCAL_MODEL:-…}'],
      ]);
    });

    it('refuses a key written into it, at its place, without repeating it', () => {
      const key = 'sk-abcdefghijklmnopqrstuvwxyz012345';
      const text = lines(
        '{ "input": "prompts.jsonl", "models": { "profiles": {',
        `  "gpt": { "model": "gpt-4o-mini", "apiKey": "${key}" },`,
        `  "other": { "model": "gpt-4o", "apiKeyEnv": "\${SECRET}" },`,
        '} }, "steps": [{ "type": "dedup" }] }',
      );
      const problems = problemsOf(text, { SECRET: key });
      assert.deepEqual(problems.map((p) => placed(p)), [placeOf(text, '"apiKey"'), placeOf(text, '"${SECRET}"')]);
      assert.match(problems[0]!.message, /keys do not belong in a profiles file/);
      assert.match(problems[1]!.message, /looks like a key itself/);
      for (const problem of problems) assert.ok(!problem.message.includes(key));
      assert.ok(!new PipelineFileError(problems).message.includes(key));
    });

    it('refuses a step naming a profile it does not define', () => {
      const text = models.replace('"judges": ["gpt"]', '"judges": ["gtp"]');
      const problems = problemsOf(text, { LOCAL_MODEL: 'qwen' });
      assert.deepEqual(problems.map((p) => [placed(p), p.message]), [
        [placeOf(text, '"gtp"'), '"judges" names no profile of the models section: "gtp" (known: local, gpt)'],
      ]);
    });

    it('reads it from the profiles file it names, relative to the pipeline, and places that file\'s problems in it', async () => {
      const profilesText = lines(
        '{',
        '  "profiles": { "sim": { "baseURL": "${SIM_URL}", "model": "sim-small" } },',
        '  "roles": { "teacher": "sim" },',
        '}',
      );
      writeFileSync(path.join(folder, 'profiles.jsonc'), profilesText);
      const text = '{ "input": "prompts.jsonl", "models": "${PROFILES:-profiles.jsonc}", "steps": [{ "type": "generate", "teachers": ["sim"] }] }';
      writeFileSync(file, text);
      const pipeline = await loadPipeline(file, { SIM_URL: 'http://127.0.0.1:9/v1' });
      assert.equal(pipeline.modelsFile, path.join(folder, 'profiles.jsonc'));
      assert.equal(pipeline.models?.profiles.get('sim')?.baseURL, 'http://127.0.0.1:9/v1');

      await assert.rejects(loadPipeline(file, {}), (error: unknown) => {
        assert.ok(error instanceof PipelineFileError);
        assert.equal(error.problems.length, 1);
        const place = lineColumnAt(profilesText, profilesText.indexOf('"${SIM_URL}"'));
        assert.deepEqual(error.problems[0]?.location, { file: path.join(folder, 'profiles.jsonc'), ...place });
        assert.equal(error.message, `${path.join(folder, 'profiles.jsonc')}:${place.line}:${place.column}: \${SIM_URL} has no value: set the environment variable SIM_URL, or give a fallback with \${SIM_URL:-…}`);
        // The editor marks it at the "models" string of the pipeline.
        assert.equal(error.problems[0]?.range?.offset, text.indexOf('"${PROFILES'));
        return true;
      });
    });

    it('refuses a models file that does not exist, at the path string (and leaves the steps\' profile names unchecked)', () => {
      const text = '{ "input": "prompts.jsonl", "models": "nope.jsonc", "steps": [{ "type": "generate", "teachers": ["sim"] }] }';
      refusedAt(text, '"nope.jsonc"', /"models": no such file: nope\.jsonc/);
    });
  });

  it('throws one PipelineFileError with every problem, the first on the first line with its place', () => {
    const text = lines('{ "inptu": "x", "steps": [', '  { "type": "dedup", "field": "question" }', '] }');
    assert.throws(() => parsePipelineText(text, file, env), (error: unknown) => {
      assert.ok(error instanceof PipelineFileError);
      assert.ok(error instanceof InputError);
      const messageLines = error.message.split('\n');
      assert.equal(messageLines[0], `${file}:1:3: unknown field "inptu" in a pipeline (did you mean "input"?)`);
      assert.equal(messageLines[1], `${file}:2:3: the first step ("dedup") needs rows to read: give the pipeline an "input" dataset, or the step an "input"`);
      assert.equal(messageLines[2], `${file}:2:31: "field" must be one of prompt, answer, row, not "question"`);
      assert.equal(messageLines.length, 3);
      return true;
    });
  });

  it('loadPipeline names a pipeline file it cannot read', async () => {
    await assert.rejects(loadPipeline(path.join(folder, 'absent.distillery.jsonc'), env), /cannot read the pipeline file .*absent\.distillery\.jsonc: ENOENT/);
  });
});
