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

    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Distillery wants to send model requests to' });
    const judged = page.locator('.notifications-toasts', { hasText: 'line 1: A (chosen) is better' });
    await workbench.clickCodeLens('Judge', 0, async () => (await Workbench.showing(dialog)) || (await Workbench.showing(judged)));
    if (await dialog.isVisible()) await dialog.getByRole('button', { name: 'Allow' }).click();
    await judged.waitFor({ timeout: WAIT.workbench });
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

  it("lives in Distillery's own side bar, where Tab reaches its buttons and Alt+[ / Alt+] step between rows", async function () {
    this.timeout(WAIT.workbench * 2);
    const { page } = workbench;
    // The activity bar has Distillery's icon, and its side bar holds the Verdict view.
    const icon = page.locator('.activitybar .action-item a[aria-label^="Distillery"]');
    await icon.waitFor();
    await page.locator('.part.sidebar .composite.title', { hasText: /distillery/i }).waitFor();
    // Its only view: the header of the view's pane is merged into the side bar's title.
    await page.locator('.part.sidebar .pane-header[aria-label="Verdict Section"]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('.part.sidebar .pane-header').count(), 1, 'the Verdict view alone, not in the Explorer');

    const panel = await workbench.webview('Verdict');
    await panel.locator('#row-title', { hasText: 'judge-e2e.jsonl, line 2' }).waitFor();
    // Focus the view's page, then walk its buttons with Tab as a keyboard user does.
    await panel.locator('#row-title').click();
    // The id of the element that has the focus inside the view's page ('' for none or its body).
    type Node = { ownerDocument: { activeElement: { id: string } | null; hasFocus(): boolean } };
    const focused = () => panel.locator('body').evaluate((body) => {
      const document = (body as Node).ownerDocument;
      return document.hasFocus() ? (document.activeElement?.id ?? '') : '(page not focused)';
    });
    const reached: string[] = [];
    for (let i = 0; i < 10 && !reached.includes('override-tie'); i++) {
      await page.keyboard.press('Tab');
      reached.push(await focused());
    }
    for (const id of ['previous', 'next', 'judge', 'override-A', 'override-B', 'override-tie']) assert.ok(reached.includes(id), `Tab reaches #${id} (reached: ${reached.join(', ')})`);
    await workbench.shot('verdict-keyboard-focus');

    // With the view focused, Alt+[ steps to the previous row with a pair, Alt+] back. The view
    // tells the editor it has the focus by a message, a moment after the click: a key pressed at
    // once may arrive first, so the key is pressed again until the row changes (line 1 is the first
    // row with a pair and line 2 the last, so an extra press cannot overshoot).
    const stepWithKey = async (key: string, line: number) => {
      await panel.locator('#row-title').click();
      const title = panel.locator('#row-title', { hasText: `judge-e2e.jsonl, line ${line}` });
      for (let attempt = 1; ; attempt++) {
        await page.keyboard.press(key);
        const moved = await title.waitFor({ timeout: 2_000 }).then(() => true, () => false);
        if (moved) return;
        assert.ok(attempt < 5, `${key} moves the view to line ${line}`);
      }
    };
    await stepWithKey('Alt+BracketLeft', 1);
    await stepWithKey('Alt+BracketRight', 2);
  });

  it("clicks Score on a row and reads both answers' rubric scores in the view; Cancel stops a second score and changes nothing", async function () {
    this.timeout(WAIT.workbench * 2);
    const { page } = workbench;
    await page.locator(`.tabs-container .tab[data-resource-name="${FILE}"]`).click();
    // The workspace's only constitution with a rubric (rules.constitution.md: "clarity") is used.
    const scored = page.locator('.notifications-toasts', { hasText: 'line 1: reward 5 (chosen), 1 (rejected) on clarity' });
    await workbench.clickCodeLens('Score', 0, () => Workbench.showing(scored));
    const panel = await workbench.webview('Verdict');
    await panel.locator('#row-title', { hasText: 'judge-e2e.jsonl, line 1' }).waitFor();
    assert.equal(await panel.locator('#score-answer .rubric-score[data-rubric="clarity"]').getAttribute('data-score'), '5');
    assert.equal(await panel.locator('#score-rejected .rubric-score[data-rubric="clarity"]').getAttribute('data-score'), '1');
    assert.ok(((await panel.locator('#score-answer .reasoning').textContent()) ?? '').trim() !== '', 'the rationale is shown');
    await workbench.shot('verdict-scores');

    // The judge holds its grades of line 2: the view offers Cancel, which stops the score.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const rule = server.addRule({ match: { marker: 'two plus two' }, reply: async (_request, context) => (await held, context.judge()) });
    try {
      await page.locator(`.tabs-container .tab[data-resource-name="${FILE}"]`).click();
      await workbench.clickCodeLens('Score', 1, () => Workbench.showing(panel.locator('#status', { hasText: 'Scoring…' })));
      await panel.locator('#cancel').click();
      await page.locator('.notifications-toasts', { hasText: 'line 2: scoring cancelled; nothing was changed' }).waitFor();
      await panel.locator('#cancel').waitFor({ state: 'detached' });
      assert.equal(await panel.locator('#scores').count(), 0, 'line 2 has no scores');
      await workbench.shot('verdict-score-cancelled');
      // Saved, the file has line 1's scores and none on line 2.
      await page.locator(`.tabs-container .tab[data-resource-name="${FILE}"]`).click();
      await page.keyboard.press('Control+S');
      const deadline = Date.now() + WAIT.ui;
      while (!fs.readFileSync(dataset(), 'utf8').includes('"rejectedScore"')) {
        assert.ok(Date.now() < deadline, 'the saved file holds the scores of line 1');
        await page.waitForTimeout(100);
      }
      const [first, second] = fs.readFileSync(dataset(), 'utf8').split('\n').map((line) => JSON.parse(line || '{}') as { distillery?: Record<string, unknown> });
      assert.deepEqual(Object.keys(first?.distillery ?? {}).filter((key) => /score|margin/i.test(key)).sort(), ['rejectedScore', 'rewardMargin', 'score']);
      assert.ok(second?.distillery?.judgement, 'line 2 keeps its verdict');
      assert.deepEqual(Object.keys(second?.distillery ?? {}).filter((key) => /score|margin/i.test(key)), [], 'the cancelled score wrote nothing on line 2');
    } finally {
      release();
      rule.remove();
    }
  });
});
