// Bundles Distillery's entry points.
//   node esbuild.js                 development build of every bundle
//   node esbuild.js --production    minified, no source maps (what the .vsix ships)
//   node esbuild.js --watch         rebuild on change
//   node esbuild.js --tests         also the integration-test bundle run inside VS Code
'use strict';
const path = require('node:path');
const fs = require('node:fs');
const esbuild = require('esbuild');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const withTests = process.argv.includes('--tests');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  legalComments: 'none',
};

// jsonc-parser's "main" is a UMD build that esbuild cannot follow; its ESM build bundles cleanly.
const nodeMainFields = ['module', 'main'];

/** @type {import('esbuild').BuildOptions[]} */
const bundles = [
  {
    // The extension host loads this; `vscode` is provided by the host.
    ...common,
    // mixReportWorker: the mix report's worker thread (core only), started by the extension.
    entryPoints: { extension: 'src/extension/main.ts', mixReportWorker: 'src/extension/curation/mixReportWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: nodeMainFields,
    external: ['vscode'],
  },
  {
    // `vscode` is deliberately NOT external: a stray import of it from the core
    // fails this build, which keeps src/core usable without an editor.
    ...common,
    // requestWorker: the engine's request threads (src/core/llm/requestThreads.ts finds it beside
    // the bundle that starts it, cli.js or extension.js).
    entryPoints: { cli: 'src/cli/main.ts', requestWorker: 'src/core/llm/requestWorker.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: nodeMainFields,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    // The tokenizers behind the statistics' token counts, one file per encoding, loaded with a
    // computed require only when tokens are counted: megabytes that activation must not load.
    ...common,
    entryPoints: { o200k_base: 'src/tokenizers/o200k_base.ts', cl100k_base: 'src/tokenizers/cl100k_base.ts' },
    outdir: 'dist/tokenizers',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: nodeMainFields,
    // The rank tables are data: a source map of them would only double the size.
    sourcemap: false,
  },
  {
    ...common,
    // One script per panel, each loaded only by its own webview.
    entryPoints: {
      'webview-statistics': 'src/webview/statistics/main.ts',
      'webview-preview': 'src/webview/preview/main.ts',
      'webview-critique': 'src/webview/critique/main.ts',
      'webview-verdict': 'src/webview/verdict/main.ts',
      'webview-judgeReport': 'src/webview/judgeReport/main.ts',
      'webview-mixReport': 'src/webview/mixReport/main.ts',
    },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  },
];

if (withTests) {
  const dir = 'test/integration';
  const entries = fs.readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
  bundles.push({
    ...common,
    minify: false,
    sourcemap: 'inline',
    entryPoints: entries,
    outdir: 'out/integration',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: nodeMainFields,
    // mocha is resolved from node_modules at run time inside the extension host.
    external: ['vscode', 'mocha'],
  });
}

async function main() {
  const contexts = await Promise.all(bundles.map((options) => esbuild.context(options)));
  if (watch) {
    await Promise.all(contexts.map((ctx) => ctx.watch()));
    console.log('[esbuild] watching for changes');
    return;
  }
  try {
    await Promise.all(contexts.map((ctx) => ctx.rebuild()));
  } finally {
    await Promise.all(contexts.map((ctx) => ctx.dispose()));
  }
  if (fs.existsSync('dist/cli.js')) fs.chmodSync('dist/cli.js', 0o755);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
