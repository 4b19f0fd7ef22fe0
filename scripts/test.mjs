// npm test: every test layer, in order, on a fresh clone as on a developer's machine.
//   node scripts/test.mjs [static] [unit] [integration] [e2e]     (default: all)
// Installs what is missing first (npm packages; Debian packages and code-server for the
// VS Code layers), runs each layer even when an earlier one failed, and exits non-zero
// when any layer failed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNodeModules } from './lib/npm.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const layers = ['static', 'unit', 'integration', 'e2e'];
const requested = process.argv.slice(2);
for (const name of requested) {
  if (!layers.includes(name)) {
    console.error(`unknown layer "${name}" (layers: ${layers.join(', ')})`);
    process.exit(2);
  }
}
const selected = requested.length > 0 ? requested : layers;

ensureNodeModules();

/** Steps of each layer: [label, command, args]. */
const steps = {
  static: [
    ['type-check', 'npx', ['tsc', '--noEmit', '-p', '.']],
    ['type-check (webview)', 'npx', ['tsc', '--noEmit', '-p', 'src/webview']],
    ['lint', 'npx', ['eslint', '--max-warnings', '0', '.']],
    ['build', process.execPath, ['esbuild.js']],
  ],
  unit: [['unit tests', 'npx', ['mocha']]],
  integration: [
    // The grammar tests need VS Code's own Markdown grammar, which comes with code-server.
    ['grammar tests (constitution TextMate grammar)', process.execPath, ['scripts/run-grammar-tests.mjs']],
    ['integration tests (VS Code extension host)', process.execPath, ['scripts/run-integration.mjs']],
  ],
  e2e: [['end-to-end tests (browser)', process.execPath, ['scripts/run-e2e.mjs']]],
};

const results = [];
const counts = { passed: 0, failed: 0, pending: 0 };
for (const layer of selected) {
  for (const [label, command, args] of steps[layer]) {
    console.log(`\n=== ${label} ===`);
    const started = Date.now();
    const { code, output } = await run(command, args);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    tally(output, code);
    results.push({ label, ok: code === 0, seconds, failures: code === 0 ? '' : failureReport(output) });
  }
}

console.log('\n=== summary ===');
for (const { label, ok, seconds } of results) console.log(`${ok ? 'ok  ' : 'FAIL'}  ${label} (${seconds} s)`);
// Again at the end, where a log's tail shows it: which tests failed and why (mocha's report).
for (const { label, failures } of results) {
  if (failures) console.log(`\n--- failures in ${label} ---\n${failures}`);
}
const failedSteps = results.filter((result) => !result.ok).length;
console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.pending} skipped`);
process.exit(failedSteps > 0 ? 1 : 0);

/** Runs a step, echoing its output as it comes and keeping it for the tally. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      output += chunk;
    });
    child.on('error', (error) => {
      console.error(String(error));
      resolve({ code: 1, output });
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

/** Mocha's report of the failed tests (from "N failing" on), shortened; the step's last lines when there is none. */
function failureReport(output) {
  // eslint-disable-next-line no-control-regex -- strips terminal colour codes
  const lines = output.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  const start = lines.findIndex((line) => /^\s*\d+ failing/.test(line));
  const report = start >= 0 ? lines.slice(start, start + 80) : lines.slice(-20);
  return report.map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line)).join('\n').trimEnd();
}

/** Adds mocha's "N passing / N failing / N pending"; a step without them counts as one check. */
function tally(output, code) {
  // eslint-disable-next-line no-control-regex -- strips terminal colour codes
  const text = output.replace(/\x1b\[[0-9;]*m/g, '');
  const number = (pattern) => [...text.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
  const passing = number(/^\s*(\d+) passing/gm);
  const failing = number(/^\s*(\d+) failing/gm);
  const pending = number(/^\s*(\d+) pending/gm);
  if (passing + failing + pending === 0) {
    if (code === 0) counts.passed++;
    else counts.failed++;
    return;
  }
  counts.passed += passing;
  counts.pending += pending;
  // A runner can fail outside its tests (a crash after them): count that too.
  counts.failed += failing > 0 ? failing : code === 0 ? 0 : 1;
}
