/**
 * Reading a pipeline file (`*.distillery.jsonc`, format in pipelineTypes.ts): JSONC in, a checked
 * PipelineDefinition out, or every problem at its `file:line:column`. The "models" section is the
 * profiles format of profilesFile.ts (inline, or a path to such a file) and is checked by its
 * validator, so its rules (keys refused where they are written) hold here too.
 *
 * The option tables below (PIPELINE_FIELDS, STEP_OPTIONS) are what schemas/pipeline.schema.json
 * describes; a unit test keeps the two in agreement.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { findNodeAtLocation, getNodeValue, parseTree, type Node, type ParseError } from 'jsonc-parser';
import { describeParseError } from '../../errors/jsonParseError';
import { InputError, lineColumnAt, type SourceLocation } from '../../errors/located';
import { validateProfilesConfig, type JsonPath, type ProfilesConfig } from '../../llm/profilesFile';
import { ROW_KINDS } from '../../dataset/rowKinds';
import { CURATION_FIELDS } from '../../curation/curationText';
import { STEP_TYPES, type PipelineDefinition, type PipelineStep, type StepType } from './pipelineTypes';

/** One problem: where it is, and (for the editor) the span of the pipeline file it marks. */
export interface PipelineProblem {
  readonly message: string;
  readonly location: SourceLocation;
  /** Offset and length in the pipeline file's text; for a problem inside the models file, the "models" string. */
  readonly range?: { readonly offset: number; readonly length: number };
}

/** A pipeline file that breaks the rules: every problem, each at its place, the first in the message's first line. */
export class PipelineFileError extends InputError {
  constructor(readonly problems: readonly PipelineProblem[]) {
    const [first, ...rest] = problems;
    const place = (problem: PipelineProblem): string => `${problem.location.file}:${problem.location.line}:${problem.location.column}: ${problem.message}`;
    super([first?.message ?? 'invalid pipeline file', ...rest.map(place)].join('\n'), first?.location);
    this.name = 'PipelineFileError';
  }
}

/** What one option accepts. */
export type OptionKind =
  | { readonly kind: 'string'; readonly enum?: readonly string[]; readonly pattern?: RegExp }
  | { readonly kind: 'number'; readonly integer?: boolean; readonly min?: number; readonly max?: number; readonly exclusiveMin?: boolean; readonly exclusiveMax?: boolean }
  | { readonly kind: 'boolean' }
  /** A non-empty list of non-empty strings. */
  | { readonly kind: 'strings' }
  /** A path relative to the pipeline file; `exists`: a file that must be there. */
  | { readonly kind: 'path'; readonly exists: boolean }
  /** One existing file or a non-empty list of them. */
  | { readonly kind: 'paths' }
  /** A profile name of the models section. */
  | { readonly kind: 'profile' }
  /** A non-empty list of profile names. */
  | { readonly kind: 'profiles' }
  /** An earlier step's id, or a file. */
  | { readonly kind: 'source' }
  /** Names to numbers ≥ 0. */
  | { readonly kind: 'weights' }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, OptionKind>> }
  /** The profiles format (profilesFile.ts) inline, or the path of a profiles file. */
  | { readonly kind: 'models' }
  /** The list of steps. */
  | { readonly kind: 'steps' };

export interface StepOptions {
  readonly fields: Readonly<Record<string, OptionKind>>;
  readonly required: readonly string[];
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const SAMPLING: Readonly<Record<string, OptionKind>> = {
  temperature: { kind: 'number', min: 0, max: 2 },
  maxTokens: { kind: 'number', integer: true, min: 1 },
  seed: { kind: 'number', integer: true },
};
const COMMON: Readonly<Record<string, OptionKind>> = {
  id: { kind: 'string', pattern: ID_PATTERN },
  type: { kind: 'string', enum: STEP_TYPES },
  input: { kind: 'source' },
};
const SCORE = { kind: 'number', min: 1, max: 5 } as const;
const SHARE = { kind: 'number', min: 0, max: 1, exclusiveMin: true } as const;

/** Top-level fields of a pipeline file. */
export const PIPELINE_FIELDS: Readonly<Record<string, OptionKind>> = {
  $schema: { kind: 'string' },
  name: { kind: 'string', pattern: /^[^/\\]+$/ },
  input: { kind: 'path', exists: true },
  outputDir: { kind: 'path', exists: false },
  models: { kind: 'models' },
  concurrency: { kind: 'number', integer: true, min: 1, max: 1024 },
  cache: { kind: 'boolean' },
  steps: { kind: 'steps' },
};

/** Every step type's options (besides id, type and input), as the file writes them. */
export const STEP_OPTIONS: Readonly<Record<StepType, StepOptions>> = {
  'self-instruct': {
    fields: { ...SAMPLING, seeds: { kind: 'path', exists: true }, count: { kind: 'number', integer: true, min: 1 }, model: { kind: 'profile' }, rougeThreshold: { kind: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true } },
    required: ['seeds', 'count'],
  },
  generate: {
    fields: {
      ...SAMPLING,
      teachers: { kind: 'profiles' },
      n: { kind: 'number', integer: true, min: 1 },
      systemPrompt: { kind: 'string' },
      candidates: { kind: 'boolean' },
      filters: {
        kind: 'object',
        fields: {
          minChars: { kind: 'number', integer: true, min: 0 },
          maxChars: { kind: 'number', integer: true, min: 1 },
          keepRefusals: { kind: 'boolean' },
          dedupe: { kind: 'string', enum: ['off', 'exact', 'near'] },
          verifier: { kind: 'strings' },
        },
      },
    },
    required: [],
  },
  'critique-revise': {
    fields: { ...SAMPLING, constitution: { kind: 'path', exists: true }, critic: { kind: 'profile' }, rounds: { kind: 'number', integer: true, min: 1 }, tags: { kind: 'strings' }, principles: { kind: 'strings' }, pairs: { kind: 'boolean' } },
    required: ['constitution'],
  },
  judge: {
    fields: {
      ...SAMPLING,
      judges: { kind: 'profiles' },
      constitution: { kind: 'path', exists: true },
      rubric: { kind: 'string' },
      principles: { kind: 'number', integer: true, min: 1 },
      samples: { kind: 'number', integer: true, min: 1 },
      bothOrders: { kind: 'boolean' },
      logprobs: { kind: 'boolean' },
      preferences: { kind: 'string', enum: ['best-vs-rest', 'best-vs-worst', 'all-pairs'] },
      minMargin: { kind: 'number', min: 0 },
    },
    required: [],
  },
  score: {
    fields: { ...SAMPLING, constitution: { kind: 'path', exists: true }, rubrics: { kind: 'strings' }, weights: { kind: 'weights' }, judge: { kind: 'profile' }, threshold: SCORE },
    required: ['constitution'],
  },
  dedup: {
    fields: { field: { kind: 'string', enum: CURATION_FIELDS }, threshold: { kind: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true }, exactOnly: { kind: 'boolean' } },
    required: [],
  },
  decontaminate: {
    fields: { against: { kind: 'paths' }, ngram: { kind: 'number', integer: true, min: 1 } },
    required: ['against'],
  },
  filter: {
    fields: {
      minScore: SCORE,
      maxScore: SCORE,
      rubric: { kind: 'string' },
      verdict: { kind: 'string', enum: ['A', 'B', 'tie'] },
      positionConsistent: { kind: 'boolean' },
      minLength: { kind: 'number', integer: true, min: 0 },
      maxLength: { kind: 'number', integer: true, min: 1 },
      lengthOf: { kind: 'string', enum: ['prompt', 'answer'] },
      lengthUnit: { kind: 'string', enum: ['chars', 'words'] },
      kind: { kind: 'string', enum: ROW_KINDS },
      tag: { kind: 'string' },
      teacher: { kind: 'string' },
      provenance: { kind: 'string', enum: ['human', 'synthetic'] },
    },
    required: [],
  },
  balance: {
    fields: { by: { kind: 'string' }, cap: { kind: 'number', integer: true, min: 1 }, equal: { kind: 'boolean' }, random: { kind: 'boolean' }, upsample: { kind: 'boolean' }, seed: { kind: 'string' } },
    required: ['by'],
  },
  convert: { fields: { to: { kind: 'string', enum: ['messages', 'sharegpt'] } }, required: ['to'] },
  export: { fields: { to: { kind: 'path', exists: false }, stripMetadata: { kind: 'boolean' } }, required: ['to'] },
  report: { fields: { against: { kind: 'source' }, maxTeacherShare: SHARE, maxSyntheticShare: SHARE }, required: [] },
};

/** Fields every step may have. */
export const COMMON_STEP_FIELDS: Readonly<Record<string, OptionKind>> = COMMON;

/** Parses and checks a pipeline file's text; throws PipelineFileError listing every problem. */
export function parsePipelineText(text: string, file: string, env: NodeJS.ProcessEnv): PipelineDefinition {
  const { pipeline, problems } = checkPipelineText(text, file, env);
  if (!pipeline) throw new PipelineFileError(problems);
  return pipeline;
}

/** Reads, parses and checks a pipeline file (and the models file it names). */
export async function loadPipeline(file: string, env: NodeJS.ProcessEnv): Promise<PipelineDefinition> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the pipeline file ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parsePipelineText(text, absolute, env);
}

/** The checking behind parsePipelineText, returning the problems (in file order) instead of throwing; the editor's diagnostics use it. */
export function checkPipelineText(text: string, file: string, env: NodeJS.ProcessEnv): { pipeline: PipelineDefinition | undefined; problems: PipelineProblem[] } {
  return new PipelineChecker(text, path.resolve(file), env).check();
}

/** The file name without `.distillery.jsonc` (or its last extension). */
export function pipelineNameOf(file: string): string {
  const base = path.basename(file);
  return base.endsWith('.distillery.jsonc') ? base.slice(0, -'.distillery.jsonc'.length) : base.replace(/\.[^.]*$/, '');
}

const STEP_TYPE_SET: ReadonlySet<string> = new Set(STEP_TYPES);

class PipelineChecker {
  private readonly problems: Array<PipelineProblem & { readonly order: number }> = [];
  private readonly folder: string;
  /** Profile names the models section declares; undefined when there is none (or it cannot be read), so that steps' names go unchecked. */
  private profileNames: ReadonlySet<string> | undefined;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.folder = path.dirname(file);
  }

  check(): { pipeline: PipelineDefinition | undefined; problems: PipelineProblem[] } {
    const errors: ParseError[] = [];
    const root = parseTree(this.text, errors, { allowTrailingComma: true, disallowComments: false });
    for (const error of errors) this.report(error.offset, Math.max(error.length, 1), describeParseError(error));
    // After a syntax error the tree is a guess: report the syntax errors alone.
    if (errors.length > 0) return this.result(undefined);
    if (!root || root.type !== 'object') {
      this.report(root?.offset ?? 0, root?.length ?? 1, 'a pipeline file must hold a JSON object: { "input": …, "steps": [ … ] }');
      return this.result(undefined);
    }
    this.duplicateKeys(root);
    const members = this.members(root, PIPELINE_FIELDS, 'a pipeline');

    const name = this.option(members.get('name'), PIPELINE_FIELDS.name!, '"name" must be a name without / or \\') as string | undefined;
    const input = this.option(members.get('input'), PIPELINE_FIELDS.input!, '') as string | undefined;
    const outputDirOption = this.option(members.get('outputDir'), PIPELINE_FIELDS.outputDir!, '') as string | undefined;
    const concurrency = this.option(members.get('concurrency'), PIPELINE_FIELDS.concurrency!, '') as number | undefined;
    const cache = this.option(members.get('cache'), PIPELINE_FIELDS.cache!, '') as boolean | undefined;
    const models = this.models(members.get('models'));

    const stepsNode = members.get('steps');
    let steps: PipelineStep[] = [];
    if (!stepsNode) this.report(root.offset, 1, 'a pipeline needs "steps": a list of steps, each { "type": … }');
    else if (stepsNode.value.type !== 'array' || (stepsNode.value.children ?? []).length === 0) this.atNode(stepsNode.value, '"steps" must be a non-empty list of steps, each { "type": … }');
    else steps = this.steps(stepsNode.value.children ?? [], input !== undefined);

    const pipelineName = name ?? pipelineNameOf(this.file);
    if (this.problems.length > 0) return this.result(undefined);
    const pipeline: PipelineDefinition = {
      file: this.file,
      name: pipelineName,
      ...(input !== undefined ? { input } : {}),
      outputDir: outputDirOption ?? path.join(this.folder, `${pipelineName}.out`),
      ...(models?.config ? { models: models.config } : {}),
      ...(models?.file !== undefined ? { modelsFile: models.file } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(cache !== undefined ? { cache } : {}),
      steps,
      sha256: createHash('sha256').update(this.text).digest('hex'),
    };
    return this.result(pipeline);
  }

  private result(pipeline: PipelineDefinition | undefined): { pipeline: PipelineDefinition | undefined; problems: PipelineProblem[] } {
    const problems = [...this.problems].sort((a, b) => a.order - b.order).map(({ order: _order, ...problem }) => problem);
    return { pipeline: problems.length > 0 ? undefined : pipeline, problems };
  }

  // --- places -------------------------------------------------------------------------------

  private report(offset: number, length: number, message: string): void {
    this.problems.push({ message, location: { file: this.file, ...lineColumnAt(this.text, offset) }, range: { offset, length }, order: offset });
  }

  private atNode(node: Node, message: string): void {
    this.report(node.offset, node.length, message);
  }

  /** An object's members by name (the last of a repeated name), with unknown names reported at their key. */
  private members(node: Node, known: Readonly<Record<string, OptionKind>>, what: string): Map<string, { key: Node; value: Node }> {
    const result = new Map<string, { key: Node; value: Node }>();
    for (const property of node.children ?? []) {
      const [key, value] = property.children ?? [];
      if (!key || !value) continue;
      const name = String(key.value);
      if (Object.hasOwn(known, name)) result.set(name, { key, value });
      else this.atNode(key, `unknown field "${name}" in ${what}${suggestion(name, Object.keys(known))}`);
    }
    return result;
  }

  private duplicateKeys(node: Node): void {
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const property of node.children ?? []) {
        const key = property.children?.[0];
        if (!key) continue;
        const name = String(key.value);
        if (seen.has(name)) this.atNode(key, `"${name}" appears twice in one object`);
        seen.add(name);
      }
    }
    for (const child of node.children ?? []) this.duplicateKeys(child);
  }

  // --- values -------------------------------------------------------------------------------

  /**
   * One option's value, checked against its kind; undefined (with a problem reported) when it is
   * wrong. Kinds that depend on the other steps ('source') or the models section are resolved by the caller.
   */
  private option(member: { key: Node; value: Node } | undefined, kind: OptionKind, patternMessage: string): unknown {
    if (!member) return undefined;
    const { key, value } = member;
    const name = String(key.value);
    const raw: unknown = getNodeValue(value);
    switch (kind.kind) {
      case 'string': {
        if (typeof raw !== 'string' || raw.trim() === '') return this.wrong(value, `"${name}" must be a non-empty string${kind.enum ? `: one of ${kind.enum.join(', ')}` : ''}`);
        if (kind.enum && !kind.enum.includes(raw)) return this.wrong(value, `"${name}" must be one of ${kind.enum.join(', ')}, not "${raw}"${suggestion(raw, kind.enum)}`);
        if (kind.pattern && !kind.pattern.test(raw)) return this.wrong(value, patternMessage);
        return raw;
      }
      case 'number': {
        if (typeof raw !== 'number' || !Number.isFinite(raw) || (kind.integer && !Number.isInteger(raw)) || !inRange(raw, kind)) {
          return this.wrong(value, `"${name}" must be ${kind.integer ? 'a whole number' : 'a number'}${rangeText(kind)}`);
        }
        return raw;
      }
      case 'boolean':
        return typeof raw === 'boolean' ? raw : this.wrong(value, `"${name}" must be true or false`);
      case 'strings':
        if (!Array.isArray(raw) || raw.length === 0 || raw.some((item) => typeof item !== 'string' || item.trim() === '')) {
          return this.wrong(value, `"${name}" must be a non-empty list of non-empty strings`);
        }
        return raw as string[];
      case 'path': {
        if (typeof raw !== 'string' || raw.trim() === '') return this.wrong(value, `"${name}" must be a path (relative to the pipeline file)`);
        const absolute = path.resolve(this.folder, raw);
        if (kind.exists && !isFile(absolute)) return this.wrong(value, `"${name}": no such file: ${raw}`);
        return absolute;
      }
      case 'paths': {
        const items = typeof raw === 'string' ? [value] : value.type === 'array' && (value.children ?? []).length > 0 ? (value.children ?? []) : undefined;
        if (!items) return this.wrong(value, `"${name}" must be a file or a non-empty list of files`);
        const files: string[] = [];
        for (const item of items) {
          if (item.type !== 'string' || String(item.value).trim() === '') {
            this.atNode(item, `"${name}" must list files (paths relative to the pipeline file)`);
            continue;
          }
          const absolute = path.resolve(this.folder, String(item.value));
          if (!isFile(absolute)) this.atNode(item, `"${name}": no such file: ${String(item.value)}`);
          else files.push(absolute);
        }
        return files.length === items.length ? files : undefined;
      }
      case 'profile': {
        if (typeof raw !== 'string' || raw.trim() === '') return this.wrong(value, `"${name}" must be a profile name`);
        return this.profileKnown(value, name, raw) ? raw : undefined;
      }
      case 'profiles': {
        if (!Array.isArray(raw) || raw.length === 0) return this.wrong(value, `"${name}" must be a non-empty list of profile names`);
        let ok = true;
        (value.children ?? []).forEach((item) => {
          if (item.type !== 'string' || String(item.value).trim() === '') {
            this.atNode(item, `"${name}" must list profile names`);
            ok = false;
          } else if (!this.profileKnown(item, name, String(item.value))) ok = false;
        });
        return ok ? (raw as string[]) : undefined;
      }
      case 'weights': {
        if (value.type !== 'object') return this.wrong(value, `"${name}" must be an object of rubric ids to weights (numbers ≥ 0)`);
        let ok = true;
        for (const property of value.children ?? []) {
          const weight = property.children?.[1];
          if (weight && (typeof weight.value !== 'number' || !(weight.value >= 0))) {
            this.atNode(weight, `"${name}.${String(property.children?.[0]?.value)}" must be a number ≥ 0`);
            ok = false;
          }
        }
        return ok ? (raw as Record<string, number>) : undefined;
      }
      case 'object': {
        if (value.type !== 'object') return this.wrong(value, `"${name}" must be an object`);
        const inner = this.members(value, kind.fields, `"${name}"`);
        const result: Record<string, unknown> = {};
        let ok = true;
        for (const [field, member] of inner) {
          const fieldKind = kind.fields[field];
          if (!fieldKind) continue;
          const checked = this.option(member, fieldKind, '');
          if (checked === undefined) ok = false;
          else result[field] = checked;
        }
        return ok ? result : undefined;
      }
      case 'source':
      case 'models':
      case 'steps':
        throw new Error(`"${name}" is checked on its own`);
    }
  }

  private wrong(node: Node, message: string): undefined {
    this.atNode(node, message);
    return undefined;
  }

  private profileKnown(node: Node, option: string, name: string): boolean {
    if (!this.profileNames || this.profileNames.has(name)) return true;
    this.atNode(node, `"${option}" names no profile of the models section: "${name}"${this.profileNames.size > 0 ? ` (known: ${[...this.profileNames].join(', ')})` : ''}`);
    return false;
  }

  // --- models -------------------------------------------------------------------------------

  private models(member: { key: Node; value: Node } | undefined): { config: ProfilesConfig | undefined; file?: string } | undefined {
    if (!member) return undefined;
    const { value } = member;
    if (value.type === 'string') {
      const substituted = this.substitute(String(value.value), (message) => this.atNode(value, message));
      if (substituted === undefined) return { config: undefined };
      const modelsFile = path.resolve(this.folder, substituted);
      let text: string;
      try {
        text = readFileSync(modelsFile, 'utf8');
      } catch {
        this.atNode(value, `"models": no such file: ${substituted}`);
        return { config: undefined, file: modelsFile };
      }
      return { config: this.modelsFile(text, modelsFile, value), file: modelsFile };
    }
    if (value.type !== 'object') {
      this.atNode(value, '"models" must be the profiles object { "profiles": …, "roles": … } or the path of a profiles file');
      return { config: undefined };
    }
    const unresolved = new Set<Node>();
    const resolved = this.substituteTree(value, (node, message) => {
      unresolved.add(node);
      this.atNode(node, message);
    });
    return { config: this.validateModels(resolved, unresolved.size > 0, (problemPath, at, message) => {
      const node = nodeFor(value, problemPath, at);
      // The value of a variable without one is already reported.
      if (!unresolved.has(node)) this.atNode(node, message);
    }) };
  }

  /** A models file: its problems are located in it, and marked in the editor at the "models" string. */
  private modelsFile(text: string, modelsFile: string, pathNode: Node): ProfilesConfig | undefined {
    const inModels = (offset: number, message: string): void => {
      this.problems.push({ message, location: { file: modelsFile, ...lineColumnAt(text, offset) }, range: { offset: pathNode.offset, length: pathNode.length }, order: pathNode.offset + offset / (text.length + 1) });
    };
    const errors: ParseError[] = [];
    const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
    const firstError = errors[0];
    if (firstError || !root) {
      inModels(firstError?.offset ?? 0, firstError ? describeParseError(firstError) : 'a profiles file must hold a JSON object');
      return undefined;
    }
    const unresolved = new Set<Node>();
    const resolved = this.substituteTree(root, (node, message) => {
      unresolved.add(node);
      inModels(node.offset, message);
    });
    return this.validateModels(resolved, unresolved.size > 0, (problemPath, at, message) => {
      const node = nodeFor(root, problemPath, at);
      if (!unresolved.has(node)) inModels(node.offset, message);
    });
  }

  private validateModels(value: unknown, incomplete: boolean, problem: (path: JsonPath, at: 'key' | 'value', message: string) => void): ProfilesConfig | undefined {
    const profiles = isObject(value) && isObject(value.profiles) ? Object.keys(value.profiles) : [];
    this.profileNames = new Set(profiles);
    const { config, problems } = validateProfilesConfig(value);
    for (const found of problems) problem(found.path, found.at, found.message);
    return problems.length === 0 && !incomplete ? config : undefined;
  }

  /** The plain value of a models tree with `${VAR}` and `${VAR:-fallback}` replaced in every string. */
  private substituteTree(node: Node, problem: (node: Node, message: string) => void): unknown {
    switch (node.type) {
      case 'object': {
        const result: Record<string, unknown> = {};
        for (const property of node.children ?? []) {
          const [key, value] = property.children ?? [];
          if (key && value) result[String(key.value)] = this.substituteTree(value, problem);
        }
        return result;
      }
      case 'array':
        return (node.children ?? []).map((child) => this.substituteTree(child, problem));
      case 'string':
        // A variable without a value leaves the text as written, so that only the one problem is reported.
        return this.substitute(String(node.value), (message) => problem(node, message)) ?? node.value;
      default:
        return getNodeValue(node);
    }
  }

  private substitute(text: string, problem: (message: string) => void): string | undefined {
    let ok = true;
    const result = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_match, name: string, fallback: string | undefined) => {
      const value = this.env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback !== undefined) return fallback;
      problem(`\${${name}} has no value: set the environment variable ${name}, or give a fallback with \${${name}:-…}`);
      ok = false;
      return '';
    });
    return ok ? result : undefined;
  }

  // --- steps --------------------------------------------------------------------------------

  private steps(nodes: readonly Node[], pipelineHasInput: boolean): PipelineStep[] {
    // First the ids of all steps, so that a reference to a later step is told apart from a file.
    const typeCounts = new Map<string, number>();
    const entries = nodes.map((node, position) => {
      if (node.type !== 'object') {
        this.atNode(node, `step ${position + 1} must be an object { "type": … }`);
        return undefined;
      }
      const members = new Map<string, { key: Node; value: Node }>();
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key && value) members.set(String(key.value), { key, value });
      }
      const typeMember = members.get('type');
      const type = typeMember?.value.value;
      let stepType: StepType | undefined;
      if (!typeMember) this.report(node.offset, 1, `step ${position + 1} needs "type": one of ${STEP_TYPES.join(', ')}`);
      else if (typeof type !== 'string' || !STEP_TYPE_SET.has(type)) {
        this.atNode(typeMember.value, `unknown step type ${JSON.stringify(type)}${typeof type === 'string' ? suggestion(type, STEP_TYPES) : ''} (known: ${STEP_TYPES.join(', ')})`);
      } else stepType = type as StepType;
      const idMember = members.get('id');
      let id: string | undefined;
      if (idMember) {
        id = this.option(idMember, COMMON.id!, '"id" must start with a letter or digit and hold only letters, digits, _ . -') as string | undefined;
      } else if (stepType) {
        const count = (typeCounts.get(stepType) ?? 0) + 1;
        typeCounts.set(stepType, count);
        id = count === 1 ? stepType : `${stepType}-${count}`;
      }
      return { node, members, type: stepType, id, idNode: idMember?.value };
    });

    const positionById = new Map<string, number>();
    entries.forEach((entry, position) => {
      if (!entry?.id) return;
      const earlier = positionById.get(entry.id);
      if (earlier === undefined) positionById.set(entry.id, position);
      else if (entry.idNode) this.atNode(entry.idNode, `step id "${entry.id}" is already the id of step ${earlier + 1}`);
      else this.report(entry.node.offset, 1, `step ${position + 1}'s id would be "${entry.id}", already the id of step ${earlier + 1}: give it an "id"`);
    });

    const steps: PipelineStep[] = [];
    entries.forEach((entry, position) => {
      if (!entry?.type || entry.id === undefined) return;
      const step = this.step(entry.node, entry.type, entry.id, position, positionById, pipelineHasInput);
      if (step) steps.push(step);
    });
    return steps;
  }

  private step(node: Node, type: StepType, id: string, position: number, positionById: ReadonlyMap<string, number>, pipelineHasInput: boolean): PipelineStep | undefined {
    const spec = STEP_OPTIONS[type];
    const known = { ...COMMON, ...spec.fields };
    const members = this.members(node, known, `a "${type}" step`);
    const before = this.problems.length;
    const options: Record<string, unknown> = {};
    for (const [name, member] of members) {
      if (name === 'id' || name === 'type') continue;
      const kind = known[name];
      if (!kind) continue;
      const value = kind.kind === 'source' ? this.source(member, position, positionById) : this.option(member, kind, '');
      if (value !== undefined) options[name] = value;
    }
    for (const required of spec.required) {
      if (!members.has(required)) this.report(node.offset, 1, `a "${type}" step needs "${required}"`);
    }
    const inputMember = members.get('input');
    if (type === 'self-instruct' && inputMember) this.atNode(inputMember.key, 'a "self-instruct" step reads no rows: it makes them from "seeds"');
    if (!inputMember && position === 0 && type !== 'self-instruct' && !pipelineHasInput) {
      this.report(node.offset, 1, `the first step ("${type}") needs rows to read: give the pipeline an "input" dataset, or the step an "input"`);
    }
    this.crossChecks(type, members, options);
    if (this.problems.length > before) return undefined;

    const location: SourceLocation = { file: this.file, ...lineColumnAt(this.text, node.offset) };
    const base = { id, index: position + 1, location };
    if (type === 'balance') {
      const { by, cap, equal: _equal, random, upsample, seed, input } = options as { by: string; cap?: number; equal?: boolean; random?: boolean; upsample?: boolean; seed?: string; input?: PipelineStep['input'] };
      const seedPart = seed !== undefined ? { seed } : {};
      const settings = cap !== undefined ? { mode: 'cap' as const, cap, random: random === true, ...seedPart } : { mode: 'equal' as const, upsample: upsample === true, ...seedPart };
      return { ...base, type, by, settings, ...(input !== undefined ? { input } : {}) };
    }
    return { ...base, type, ...options } as PipelineStep;
  }

  /** Rules between a step's options that the table cannot say. */
  private crossChecks(type: StepType, members: ReadonlyMap<string, { key: Node; value: Node }>, options: Readonly<Record<string, unknown>>): void {
    const at = (name: string, message: string): void => {
      const member = members.get(name);
      if (member) this.atNode(member.key, message);
    };
    const ordered = (low: string, high: string): void => {
      const a = options[low];
      const b = options[high];
      if (typeof a === 'number' && typeof b === 'number' && a > b) at(high, `"${high}" (${b}) is below "${low}" (${a})`);
    };
    if (type === 'judge' && members.has('rubric') && !members.has('constitution')) at('rubric', '"rubric" names a rubric of "constitution": give the constitution too');
    if (type === 'filter') {
      ordered('minScore', 'maxScore');
      ordered('minLength', 'maxLength');
    }
    if (type === 'generate') {
      const filters = options.filters as Record<string, unknown> | undefined;
      const filterNode = members.get('filters')?.value;
      if (filters && filterNode && typeof filters.minChars === 'number' && typeof filters.maxChars === 'number' && filters.minChars > filters.maxChars) {
        const maxNode = findNodeAtLocation(filterNode, ['maxChars'])?.parent?.children?.[0];
        if (maxNode) this.atNode(maxNode, `"maxChars" (${filters.maxChars}) is below "minChars" (${filters.minChars})`);
      }
    }
    if (type === 'balance') {
      const hasCap = members.has('cap');
      const equal = options.equal === true;
      if (hasCap && equal) at('equal', 'give "cap" or "equal": true, not both');
      else if (!hasCap && !equal && members.has('by')) at('by', 'a "balance" step needs "cap": N (rows per group at most) or "equal": true');
      if (options.upsample === true && hasCap) at('upsample', '"upsample" goes with "equal", not "cap"');
      if (options.random === true && !hasCap) at('random', '"random" goes with "cap" ("equal" always samples at random)');
    }
  }

  /** "input"/"against" of a step: an earlier step's id, or a file that exists. */
  private source(member: { key: Node; value: Node }, position: number, positionById: ReadonlyMap<string, number>): { step: string } | { file: string } | undefined {
    const name = String(member.key.value);
    const raw: unknown = member.value.value;
    if (member.value.type !== 'string' || typeof raw !== 'string' || raw.trim() === '') return this.wrong(member.value, `"${name}" must be an earlier step's id or a file`);
    const target = positionById.get(raw);
    if (target !== undefined) {
      if (target < position) return { step: raw };
      return this.wrong(member.value, target === position ? `"${name}" names this step itself: it can only read an earlier step` : `"${name}" names step ${target + 1} ("${raw}"), which runs later: a step can only read an earlier one`);
    }
    const absolute = path.resolve(this.folder, raw);
    if (!isFile(absolute)) return this.wrong(member.value, `"${name}" is neither an earlier step's id nor a file: ${raw}`);
    return { file: absolute };
  }
}

function nodeFor(root: Node, problemPath: JsonPath, at: 'key' | 'value'): Node {
  for (let length = problemPath.length; length >= 0; length--) {
    const node = findNodeAtLocation(root, [...problemPath.slice(0, length)]);
    if (!node) continue;
    const wantKey = length < problemPath.length || at === 'key';
    const keyNode = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    return wantKey && keyNode ? keyNode : node;
  }
  return root;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inRange(value: number, kind: { min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean }): boolean {
  if (kind.min !== undefined && (kind.exclusiveMin ? value <= kind.min : value < kind.min)) return false;
  if (kind.max !== undefined && (kind.exclusiveMax ? value >= kind.max : value > kind.max)) return false;
  return true;
}

function rangeText(kind: { min?: number; max?: number; exclusiveMin?: boolean; exclusiveMax?: boolean }): string {
  const { min, max } = kind;
  if (min !== undefined && max !== undefined) {
    if (kind.exclusiveMin && kind.exclusiveMax) return ` between ${min} and ${max} (exclusive)`;
    if (kind.exclusiveMin) return ` above ${min}, at most ${max}`;
    return ` from ${min} to ${max}`;
  }
  if (min !== undefined) return kind.exclusiveMin ? ` above ${min}` : ` ≥ ${min}`;
  if (max !== undefined) return ` ≤ ${max}`;
  return '';
}

/** " (did you mean "x"?)" for a near miss among the known names, else "". */
export function suggestion(name: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Short names are too close to everything for a guess to help.
  const allowed = name.length < 3 ? 0 : Math.max(1, Math.floor(name.length / 3));
  return best !== undefined && bestDistance > 0 && bestDistance <= allowed ? ` (did you mean "${best}"?)` : '';
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn a into b. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, index) => index)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((rows[i - 1]?.[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (rows[i - 1]?.[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}
