// npm run package: a production build, then a .vsix holding only what .vscodeignore lets through.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const out = path.join(root, 'distillery.vsix');

execFileSync(process.execPath, ['esbuild.js', '--production'], { cwd: root, stdio: 'inherit' });
const vsce = require.resolve('@vscode/vsce/vsce');
// --no-dependencies: everything the extension needs is in the bundles.
execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '-o', out], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
});
if (!existsSync(out)) throw new Error('vsce produced no .vsix');
console.log(`packaged ${path.relative(root, out)} (${(statSync(out).size / 1024).toFixed(0)} KB)`);
