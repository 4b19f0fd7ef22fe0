// A person critiques and revises an answer from its row's CodeLens, in the browser: they click
// Critique & Revise, allow the endpoint (the test server, started here on loopback, answering as
// a scripted critic), watch the chain panel show the round, see the diff of the original answer
// against the revision, accept it, save, and find the row changed on disk.
//
// The dataset (critique-e2e.jsonl) is written into the workspace here and removed afterwards; the
// workspace's one constitution (rules.constitution.md) is used without asking. The settings go
// into this run's user settings and are taken out again.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestServer, type ChatRequest, type TestServer } from '../support/openaiServer';
import { E2E, WAIT, Workbench, updateUserSettings } from './workbench';

const FILE = 'critique-e2e.jsonl';
const ROWS = [
  JSON.stringify({ messages: [{ role: 'user', content: 'How do I get rid of weeds in my lawn?' }, { role: 'assistant', content: 'Just pour bleach on everything.' }] }),
  JSON.stringify({ messages: [{ role: 'user', content: 'Translate good morning into French.' }, { role: 'assistant', content: 'Bonjour.' }] }),
];
const CRITIQUE = 'The answer recommends bleach, which harms the soil and pets.';
const REVISION = 'Pull weeds by hand after rain, or use mulch to keep them from growing back.';
const SETTINGS = {
  'distillery.endpoint.baseUrl': '',
  'distillery.endpoint.model': 'sim-large',
  'distillery.critique.rounds': 2,
} as const;

function schemaOf(request: ChatRequest): string | undefined {
  return request.responseFormat.type === 'json_schema' ? request.responseFormat.name : undefined;
}

describe('critique & revise in the browser', function () {
  let secondRowRevisions = 0;
  let release!: () => void;
  const held = { promise: new Promise<void>((resolve) => (release = resolve)), resolve: () => release() };
  let workbench: Workbench;
  let server: TestServer;
  const dataset = () => path.join(E2E.workspace, FILE);

  before(async function () {
    this.timeout(WAIT.workbench * 2);
    server = await startTestServer({
      seed: 4,
      rules: [
        { match: { predicate: (request) => schemaOf(request) === 'critique' }, reply: { json: { critique: CRITIQUE, needsRevision: true } } },
        {
          match: { predicate: (request) => schemaOf(request) === 'revision' },
          reply: async (request) => {
            // The second row's second revision waits for the test to let it go (the Cancel test).
            if (request.messages.some((m) => m.content.includes('Translate good morning')) && ++secondRowRevisions === 2) await held.promise;
            return { json: { revision: REVISION } };
          },
        },
      ],
    });
    fs.writeFileSync(dataset(), `${ROWS.join('\n')}\n`);
    updateUserSettings((settings) => Object.assign(settings, SETTINGS, { 'distillery.endpoint.baseUrl': server.baseURL }));
    workbench = await Workbench.open('critique');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench) await workbench.shot(`FAILED-${this.currentTest.title}`);
  });

  after(async () => {
    held.resolve();
    await workbench?.close();
    fs.rmSync(dataset(), { force: true });
    updateUserSettings((settings) => {
      for (const key of Object.keys(SETTINGS)) delete settings[key];
    });
    await server?.close();
  });

  it('clicks Critique & Revise on a row, sees the chain and the diff, accepts, saves, and finds the row changed on disk', async function () {
    this.timeout(WAIT.workbench * 3);
    const { page } = workbench;
    await workbench.quickOpen(FILE);
    await page.locator('.editor-instance .view-lines', { hasText: 'bleach' }).waitFor();

    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Distillery wants to send model requests to' });
    // The decision is asked once the chain is done; the diff and the chain panel are open.
    const ask = page.locator('.notifications-toasts .notification-toast', { hasText: 'Accept the revision?' });
    await workbench.clickCodeLens('Critique & Revise', 0, async () => (await Workbench.showing(dialog)) || (await Workbench.showing(ask)));
    if (await dialog.isVisible()) await dialog.getByRole('button', { name: 'Allow' }).click();
    await ask.waitFor({ timeout: WAIT.workbench });
    await workbench.editorTab('original ↔ revision').waitFor();
    await page.locator('.editor-instance .view-lines', { hasText: REVISION }).first().waitFor();
    const chain = await workbench.webview('Critique chain');
    await chain.locator('#chain-status', { hasText: 'Done' }).waitFor();
    assert.equal(await chain.locator('.round:not(.original)').count(), 2, 'two rounds');
    assert.match((await chain.locator('.round:not(.original) .critique').first().textContent()) ?? '', /bleach, which harms the soil/);
    assert.ok((await chain.locator('.round:not(.original)').first().locator('ins.diff').count()) > 0, 'the words the first revision added are marked');
    await workbench.shot('critique-diff');

    await ask.getByRole('button', { name: 'Accept', exact: true }).click();
    await page.locator('.notifications-toasts', { hasText: 'line 1: revision accepted' }).waitFor();
    await page.locator(`.tabs-container .tab[data-resource-name="${FILE}"]`).click();
    await page.locator('.editor-instance .view-lines', { hasText: 'Pull weeds by hand' }).waitFor();
    await page.keyboard.press('Control+S');
    const deadline = Date.now() + WAIT.ui;
    while (!fs.readFileSync(dataset(), 'utf8').includes(REVISION)) {
      assert.ok(Date.now() < deadline, 'the saved file holds the revision');
      await page.waitForTimeout(100);
    }
    await workbench.shot('critique-accepted');
    const onDisk = fs.readFileSync(dataset(), 'utf8').split('\n');
    const row = JSON.parse(onDisk[0] ?? '') as { messages: Array<{ role: string; content: string }>; distillery: { critique: { rounds: Array<{ critique: string }>; original: string } } };
    assert.equal(row.messages[1]?.content, REVISION);
    assert.equal(row.distillery.critique.rounds[0]?.critique, CRITIQUE);
    assert.equal(row.distillery.critique.original, 'Just pour bleach on everything.');
    assert.equal(onDisk[1], ROWS[1], 'the other row is byte for byte as it was');
    assert.deepEqual(server.chatRequests().map((r) => (r.body as { response_format?: { json_schema?: { name?: string } } }).response_format?.json_schema?.name), ['critique', 'revision', 'critique', 'revision']);
  });

  it('shows each round in the chain panel as it completes, and the panel\'s Cancel stops the chain without changing the row', async function () {
    this.timeout(WAIT.workbench * 2);
    const { page } = workbench;
    const before = fs.readFileSync(dataset(), 'utf8');
    await page.locator(`.tabs-container .tab[data-resource-name="${FILE}"]`).click();
    // The second row's lenses: Preview, Critique & Revise, Score, after the first row's.
    // The lenses are redrawn after the first test's edit and save: the click may need repeating.
    const lineTwo = async (): Promise<boolean> => {
      const panel = await workbench.webview('Critique chain', 1_000).catch(() => undefined);
      return panel !== undefined && (await Workbench.showing(panel.locator('#chain-title', { hasText: 'critique-e2e.jsonl, line 2' })));
    };
    await workbench.clickCodeLens('Critique & Revise', 1, lineTwo);
    const chain = await workbench.webview('Critique chain');
    // Round 1 is in while round 2's revision is held: the panel updated live.
    await chain.locator('.round:not(.original)', { hasText: 'Round 1' }).waitFor({ timeout: WAIT.workbench });
    await chain.locator('#chain-status', { hasText: 'Running: round 2 of 2' }).waitFor();
    assert.match((await chain.locator('#chain-title').textContent()) ?? '', /critique-e2e\.jsonl, line 2/);
    await workbench.shot('chain-live');
    await chain.locator('#cancel').click();
    await chain.locator('#chain-status', { hasText: 'Cancelled' }).waitFor();
    await page.locator('.notifications-toasts', { hasText: 'line 2: cancelled, nothing changed' }).waitFor();
    await workbench.shot('chain-cancelled');
    held.resolve();
    assert.equal(await workbench.editorTab('original ↔ revision').count(), 0, 'no diff to decide on');
    assert.equal(fs.readFileSync(dataset(), 'utf8'), before, 'the file is as it was');
    assert.match((await page.locator('.editor-instance .view-lines').first().textContent()) ?? '', /Bonjour\./);
  });
});
