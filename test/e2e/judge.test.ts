// A person judges a preference row from its CodeLens, in the browser: they click Judge, allow the
// endpoint (the test server, started here on loopback, answering as its simulated judge, which
// reads each answer's true quality from a [[quality:x]] marker), see the verdict panel in the
// side bar with both orders' verdicts, override the label, save, and find the human label on disk.
//
// The dataset (judge-e2e.jsonl) is written into the workspace here and removed afterwards. The
// settings go into this run's user settings and are taken out again.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestServer, type TestServer } from '../support/openaiServer';
import { E2E, WAIT, Workbench, updateUserSettings } from './workbench';

const FILE = 'judge-e2e.jsonl';
const ROWS = [
  JSON.stringify({ prompt: 'Which planet is the largest?', chosen: 'Jupiter is the largest planet. [[quality:0.95]]', rejected: 'Saturn, probably. [[quality:0.1]]' }),
  JSON.stringify({ prompt: 'What is two plus two?', chosen: 'Four. [[quality:0.9]]', rejected: 'Five. [[quality:0.2]]' }),
];
const SETTINGS = {
  'distillery.endpoint.baseUrl': '',
  'distillery.endpoint.model': 'sim-judge',
  'distillery.judge.samples': 1,
} as const;

describe('judge a row in the browser', function () {
  let workbench: Workbench;
  let server: TestServer;
  const dataset = () => path.join(E2E.workspace, FILE);

  before(async function () {
    this.timeout(WAIT.workbench * 2);
    server = await startTestServer({ seed: 6 });
    fs.writeFileSync(dataset(), `${ROWS.join('\n')}\n`);
    updateUserSettings((settings) => Object.assign(settings, SETTINGS, { 'distillery.endpoint.baseUrl': server.baseURL }));
    workbench = await Workbench.open('judge');
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench) await workbench.shot(`FAILED-${this.currentTest.title}`);
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(dataset(), { force: true });
    updateUserSettings((settings) => {
      for (const key of Object.keys(SETTINGS)) delete settings[key];
    });
    await server?.close();
  });

  it("clicks Judge on a row, sees both orders' verdicts in the panel, overrides the label, saves, and finds the human label on disk", async function () {
    this.timeout(WAIT.workbench * 3);
    const { page } = workbench;
    await workbench.quickOpen(FILE);
    await page.locator('.editor-instance .view-lines', { hasText: 'Jupiter' }).waitFor();

    await workbench.codeLens('Judge').first().click();
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Distillery wants to send model requests to' });
    await dialog.waitFor({ timeout: WAIT.ui }).catch(() => undefined);
    if (await dialog.isVisible()) await dialog.getByRole('button', { name: 'Allow' }).click();

    await page.locator('.notifications-toasts', { hasText: 'line 1: A (chosen) is better' }).waitFor({ timeout: WAIT.workbench });
    const panel = await workbench.webview('Verdict');
    await panel.locator('#final-label', { hasText: 'A is better' }).waitFor();
    await panel.locator('#order-AB .sample').first().waitFor();
    await panel.locator('#order-BA .sample').first().waitFor();
    assert.match((await panel.locator('#consistency').textContent()) ?? '', /Position-consistent/);
    assert.match((await panel.locator('#judges').textContent()) ?? '', /sim-judge/);
    assert.match((await panel.locator('#answer-a').textContent()) ?? '', /Jupiter is the largest planet/);
    assert.ok((await panel.locator('#answer-b mark.diff').count()) > 0, 'the words only B has are marked');
    await workbench.shot('verdict-panel');

    await panel.locator('#override-B').click();
    await panel.locator('#human-label', { hasText: 'B is better (by user' }).waitFor();
    await page.locator(`.tabs-container .tab[data-resource-name="${FILE}"]`).click();
    await page.locator('.editor-instance .view-lines', { hasText: '"human"' }).first().waitFor();
    await page.keyboard.press('Control+S');
    const deadline = Date.now() + WAIT.ui;
    while (!fs.readFileSync(dataset(), 'utf8').includes('"human"')) {
      assert.ok(Date.now() < deadline, 'the saved file holds the human label');
      await page.waitForTimeout(100);
    }
    await workbench.shot('verdict-overridden');
    const onDisk = fs.readFileSync(dataset(), 'utf8').split('\n');
    const row = JSON.parse(onDisk[0] ?? '') as { distillery: { judgement: { winner: string; samples: Array<{ order: string }> }; human: { winner: string; by: string; time: string } } };
    assert.equal(row.distillery.judgement.winner, 'A');
    assert.deepEqual(row.distillery.judgement.samples.map((s) => s.order).sort(), ['AB', 'BA']);
    assert.equal(row.distillery.human.winner, 'B');
    assert.equal(row.distillery.human.by, 'user');
    assert.equal(onDisk[1], ROWS[1], 'the other row is byte for byte as it was');
    assert.equal(server.chatRequests().length, 2, 'one verdict in each order');
  });

  it("steps to the next row with the panel's Next button and judges it with Judge this row", async function () {
    this.timeout(WAIT.workbench * 2);
    const { page } = workbench;
    const panel = await workbench.webview('Verdict');
    await panel.locator('#next').click();
    await panel.locator('#row-title', { hasText: 'judge-e2e.jsonl, line 2' }).waitFor();
    assert.match((await panel.locator('#answer-a').textContent()) ?? '', /Four\./);
    await panel.locator('#judge', { hasText: 'Judge this row' }).click();
    await panel.locator('#final-label', { hasText: 'A is better' }).waitFor({ timeout: WAIT.workbench });
    await panel.locator('#order-BA .sample').first().waitFor();
    await page.locator('.notifications-toasts', { hasText: 'line 2: A (chosen) is better' }).waitFor();
    await workbench.shot('verdict-next-row');
  });
});
