// The mocha bootstrap that VS Code's extension host calls (extensionTestsPath points at the
// bundle of this file, out/integration/index.js). It runs every other out/integration/*.test.js.
//
// Output: mocha's spec reporter writes through console.log; inside code-server the workbench
// forwards the extension host's console to window.codeAutomationLog, which the runner
// (scripts/run-integration.mjs) prints. Under @vscode/test-electron it reaches the terminal directly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Mocha from 'mocha';

type MochaCtor = typeof Mocha;

function loadMocha(): MochaCtor {
  // mocha 12 is an ES module package; `require` of it yields its namespace (node >= 20.19).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('mocha') as MochaCtor & { default?: MochaCtor };
  return mod.default ?? mod;
}

export function run(): Promise<void> {
  const MochaClass = loadMocha();
  const grep = process.env.DISTILLERY_TEST_GREP;
  const mocha = new MochaClass({
    ui: 'bdd',
    reporter: 'spec',
    color: !!process.env.DISTILLERY_TEST_COLOR,
    timeout: Number(process.env.DISTILLERY_TEST_TIMEOUT_MS) || 30_000,
    slow: 5_000,
    ...(grep ? { grep } : {}),
  });

  const dir = __dirname;
  const files = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.test.js'))
    .sort()
    .map((name) => path.join(dir, name));
  if (files.length === 0) {
    return Promise.reject(new Error(`no integration tests (*.test.js) found in ${dir}`));
  }
  for (const file of files) mocha.addFile(file);

  return new Promise<void>((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) {
          // The workbench prints this rejection; mocha already showed where the tests failed.
          const error = new Error(`${failures} integration test${failures === 1 ? '' : 's'} failed`);
          error.stack = error.message;
          reject(error);
        }
        else resolve();
      });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
