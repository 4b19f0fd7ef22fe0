// Grammar tests: the constitution TextMate grammar (syntaxes/constitution.tmLanguage.json) checked
// with vscode-tmgrammar-test against the assertions in test/grammar/*.constitution.md.
//   node scripts/run-grammar-tests.mjs [file-or-directory …]      (default: test/grammar)
//
// The grammar includes Markdown (text.html.markdown), which is not ours: it comes from VS Code's
// built-in extensions, taken here from the code-server install (installed on demand). The
// grammars are those of package.json's contributes.grammars, plus every grammar of the built-in
// extensions that they include, directly or through another (Markdown embeds some fifty languages
// in fenced code blocks), plus the injections into their scopes (Markdown math), as VS Code would
// load them. An included scope that no built-in extension provides gets an empty stub, as VS Code
// simply skips it, so that the tool does not warn about it.
//
// Prints the tool's report, then a mocha-like tally ("N passing", "N failing"; a test is a source
// line with its assertions, as in the tool's XUnit report), and exits with the tool's exit code
// (non-zero when any assertion fails or a test file cannot be read).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ensureTestPrerequisites } from './lib/index.mjs';
import { CACHE, CODE_SERVER_DIR, ROOT } from './lib/paths.mjs';

const require = createRequire(import.meta.url);
const TOOL = require.resolve('vscode-tmgrammar-test/dist/unit.js');
const { parseGrammarTestCase } = require('vscode-tmgrammar-test/dist/unit/parsing.js');
// The tool's own copy, which reads both JSON and plist grammars.
const { parseRawGrammar } = require(require.resolve('vscode-textmate', { paths: [path.dirname(TOOL)] }));

const requested = process.argv.slice(2);
const targets = requested.length > 0 ? requested : ['test/grammar'];

ensureTestPrerequisites();
const extensionsDir = path.join(CODE_SERVER_DIR, 'node_modules', 'code-server', 'lib', 'vscode', 'extensions');
if (!fs.existsSync(path.join(extensionsDir, 'markdown-basics'))) {
  console.error(`VS Code's built-in extensions are missing from ${extensionsDir}`);
  process.exit(1);
}

// Every grammar the built-in extensions contribute, by scope name.
const builtIn = new Map();
for (const entry of fs.readdirSync(extensionsDir, { withFileTypes: true })) {
  const manifest = path.join(extensionsDir, entry.name, 'package.json');
  if (!entry.isDirectory() || !fs.existsSync(manifest)) continue;
  const grammars = JSON.parse(fs.readFileSync(manifest, 'utf8')).contributes?.grammars ?? [];
  for (const grammar of grammars) {
    if (!grammar.scopeName || !grammar.path) continue;
    builtIn.set(grammar.scopeName, { ...grammar, path: path.join(extensionsDir, entry.name, grammar.path) });
  }
}

// Ours, as the extension contributes them.
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const own = (manifest.contributes?.grammars ?? []).map((grammar) => ({ ...grammar, path: path.join(ROOT, grammar.path) }));
if (own.length === 0) {
  console.error('package.json contributes no grammars');
  process.exit(1);
}

// The closure over includes and injections.
const selected = new Map(own.map((grammar) => [grammar.scopeName, grammar]));
const missing = new Set();
const queue = [...selected.values()];
const injectionsFor = (scopeName) =>
  [...builtIn.values()].filter((grammar) => (grammar.injectTo ?? []).some((target) => scopeName === target || scopeName.startsWith(`${target}.`)));
for (let grammar = queue.shift(); grammar; grammar = queue.shift()) {
  const wanted = [...includedScopes(parseRawGrammar(fs.readFileSync(grammar.path, 'utf8'), grammar.path)), ...injectionsFor(grammar.scopeName).map((g) => g.scopeName)];
  for (const scopeName of wanted) {
    if (selected.has(scopeName) || missing.has(scopeName)) continue;
    const found = builtIn.get(scopeName);
    if (!found) {
      missing.add(scopeName);
      continue;
    }
    selected.set(scopeName, found);
    queue.push(found);
  }
}

// The tool reads grammars (with their injectTo) from a package.json-shaped configuration whose
// paths are relative to it.
const workDir = path.join(CACHE, 'grammar-tests');
fs.rmSync(workDir, { recursive: true, force: true });
fs.mkdirSync(path.join(workDir, 'stubs'), { recursive: true });
const stubs = [...missing].map((scopeName) => {
  const file = path.join(workDir, 'stubs', `${scopeName}.json`);
  fs.writeFileSync(file, JSON.stringify({ scopeName, patterns: [] }));
  return { scopeName, path: file };
});
const config = {
  contributes: {
    grammars: [...selected.values(), ...stubs].map((grammar) => ({
      scopeName: grammar.scopeName,
      path: path.relative(workDir, grammar.path),
      ...(grammar.injectTo ? { injectTo: grammar.injectTo } : {}),
    })),
  },
};
const configPath = path.join(workDir, 'package.json');
fs.writeFileSync(configPath, JSON.stringify(config, null, 2));

// Test files, relative to the root: those named, and the *.constitution.md files of the directories named.
const files = [
  ...new Set(
    targets.flatMap((target) => {
      const absolute = path.resolve(ROOT, target);
      if (!fs.existsSync(absolute)) return [];
      if (!fs.statSync(absolute).isDirectory()) return [path.relative(ROOT, absolute)];
      return fs
        .readdirSync(absolute)
        .filter((name) => name.endsWith('.constitution.md'))
        .map((name) => path.relative(ROOT, path.join(absolute, name)));
    }),
  ),
].sort();
if (files.length === 0) {
  console.error(`no grammar test files in ${targets.join(' ')}`);
  process.exit(1);
}

// Counts the assertions, and checks the shape of each assertion line first: the tool matches them
// with regular expressions that backtrack exponentially on a line they do not match (a second
// ` - `, a stray character), so such a line would hang it instead of failing.
const NAME = '[A-Za-z0-9_][\\w.-]*';
const NAMES = `(?:${NAME}(?:\\s+${NAME})*)?`;
const SCOPES = `\\s*${NAMES}\\s*(?:-\\s*${NAMES}\\s*)?$`;
const upArrow = new RegExp(`^\\s*\\^[\\^\\s]*${SCOPES}`);
const leftArrow = new RegExp(`^\\s*<~*-+${SCOPES}`);
let assertions = 0;
const malformed = [];
for (const file of files) {
  const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split(/\r\n|\n/);
  const token = /^(\S+)\s+SYNTAX\s+TEST\s/.exec(lines[0] ?? '')?.[1];
  if (!token) continue; // the tool reports a missing header
  lines.forEach((line, index) => {
    const rest = line.slice(token.length);
    if (!line.startsWith(token) || !/^\s*(\^|<~*-+)/.test(rest)) return;
    if (!upArrow.test(rest) && !leftArrow.test(rest)) malformed.push(`${file}:${index + 1}: ${line}`);
  });
  if (malformed.length === 0) {
    const testCase = parseGrammarTestCase(lines.join('\n'));
    assertions += testCase.assertions.reduce((sum, line) => sum + line.scopeAssertions.length, 0);
  }
}
if (malformed.length > 0) {
  console.error('malformed assertions (write `^^^ scope …` or `<--- scope …`, optionally followed by one `- scope …`):');
  for (const line of malformed) console.error(`  ${line}`);
  console.error('grammar tests FAILED');
  process.exit(1);
}

console.log(`grammar tests: ${files.length} files, ${assertions} assertions, ${selected.size} grammars (${stubs.length} embedded languages not built in, stubbed)`);
const reportDir = path.join(workDir, 'report');
const result = spawnSync(process.execPath, [TOOL, '--config', configPath, '--xunit-report', reportDir, ...files], {
  cwd: ROOT,
  stdio: 'inherit',
  timeout: 5 * 60_000,
});
if (result.error) console.error(String(result.error));
const code = result.status ?? 1;

// A mocha-like tally from the XUnit report, which has one test case per source line with
// assertions (and one per test file that could not be read or run).
let passing = 0;
let failing = 0;
if (fs.existsSync(reportDir)) {
  for (const name of fs.readdirSync(reportDir)) {
    const xml = fs.readFileSync(path.join(reportDir, name), 'utf8');
    for (const [testCase] of xml.matchAll(/<testcase\b[\s\S]*?<\/testcase>/g)) {
      if (/<(failure|error)\b/.test(testCase)) failing++;
      else passing++;
    }
  }
}
if (code !== 0 && failing === 0) failing = 1; // failed outside the assertions
console.log('');
console.log(`  ${passing} passing (source lines with assertions)`);
if (failing > 0) console.log(`  ${failing} failing`);
console.log(`grammar tests ${code === 0 ? 'passed' : `FAILED (exit code ${code})`}`);
process.exit(code);

/** The scope names a grammar includes from other grammars (`scope` or `scope#rule`). */
function includedScopes(grammar) {
  const scopes = new Set();
  const visit = (node) => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'include' && typeof value === 'string' && !value.startsWith('#') && !value.startsWith('$')) scopes.add(value.split('#')[0]);
        else visit(value);
      }
    }
  };
  visit(grammar);
  return scopes;
}
