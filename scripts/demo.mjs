#!/usr/bin/env node
// npm run demo: the main job, on a fresh clone as on a developer's machine.
//
// Installs the npm packages when they are missing, builds, and runs the example pipeline
// (examples/demo.distillery.jsonc: Self-Instruct prompts from seed tasks → answers from two
// teachers → critique and revision against a constitution → verdicts in both orders → dedup →
// the mix and judge reports) with `distillery run`. The models are the endpoint in
// OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL when OPENAI_BASE_URL is set, else the
// project's offline simulator, and the demo says which. Outputs go to the git-ignored .demo/
// folder; running it again resumes (finished steps are skipped). `npm run demo -- --fresh`
// starts over.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { ensureNodeModules } from './lib/npm.mjs';
import { ROOT } from './lib/paths.mjs';
import { displayUrl, startSimulator } from './lib/simulator.mjs';

const DEMO = path.join(ROOT, '.demo');
const PIPELINE = path.join('examples', 'demo.distillery.jsonc');

const args = process.argv.slice(2);
for (const arg of args) {
  if (arg === '--help' || arg === '-h') {
    console.log('usage: npm run demo [-- --fresh]   (--fresh deletes .demo/ first)');
    process.exit(0);
  }
  if (arg !== '--fresh') {
    console.error(`unknown argument: ${arg} (usage: npm run demo [-- --fresh])`);
    process.exit(2);
  }
}

ensureNodeModules();
console.log('Building (node esbuild.js)…');
const build = spawnSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
if (args.includes('--fresh')) rmSync(DEMO, { recursive: true, force: true });


const env = { ...process.env };
let simulator;
const baseURL = env.OPENAI_BASE_URL?.trim();
if (baseURL) {
  const model = env.OPENAI_MODEL?.trim();
  for (const name of ['DEMO_TEACHER_MODEL', 'DEMO_SECOND_TEACHER_MODEL', 'DEMO_JUDGE_MODEL']) {
    if (!env[name]?.trim()) {
      if (!model) {
        console.error(`OPENAI_BASE_URL is set, so the demo uses that endpoint: set OPENAI_MODEL (or ${name}) to the model to ask`);
        process.exit(2);
      }
      env[name] = model;
    }
  }
  console.log(`Models: the endpoint in OPENAI_BASE_URL (${displayUrl(baseURL)}): teachers ${env.DEMO_TEACHER_MODEL} and ${env.DEMO_SECOND_TEACHER_MODEL}, judge ${env.DEMO_JUDGE_MODEL}; key ${env.OPENAI_API_KEY ? 'from OPENAI_API_KEY' : 'none (OPENAI_API_KEY is not set)'}`);
} else {
  simulator = await startSimulator({ args: ['--seed', '7'] });
  env.OPENAI_BASE_URL = simulator.baseURL;
  env.OPENAI_API_KEY = 'sk-simulator-needs-no-key';
  for (const name of ['DEMO_TEACHER_MODEL', 'DEMO_SECOND_TEACHER_MODEL', 'DEMO_JUDGE_MODEL']) delete env[name];
  console.log(`Models: the offline simulator at ${simulator.baseURL} (OPENAI_BASE_URL is not set): every answer is simulated, made up offline, and says so`);
}

const cli = path.join(ROOT, 'dist', 'cli.js');
const child = spawn(process.execPath, [cli, 'run', PIPELINE, '--cache-dir', path.join(DEMO, 'cache')], { cwd: ROOT, env, stdio: 'inherit' });
// Ctrl-C reaches the CLI from the terminal too; it stops within a second and the demo resumes next time.
process.on('SIGINT', () => undefined);
const code = await new Promise((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 130 : 1))));
await simulator?.stop();
if (code === 0) {
  console.log(`\nThe demo's outputs are in ${path.relative(process.cwd(), path.join(DEMO, 'output')) || '.demo/output'}/ (each step's rows, the reports, manifest.json).`);
  console.log('Open them in VS Code with the extension (npm run sandbox), or run `npm run demo` again: finished steps are skipped.');
}
process.exit(code);

