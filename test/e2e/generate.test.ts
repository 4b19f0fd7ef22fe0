// A person generates an answer for a prompt row from its CodeLens, in the browser: they click
// Generate, allow Distillery to send requests to the endpoint they configured (the test server,
// started here on loopback), see the new row appear under the prompt, and save.
//
// The dataset (generate-e2e.jsonl, a copy of the fixture prompts.jsonl) is written into the
// workspace here and removed afterwards; the endpoint settings go into the user settings of this
// run's code-server and are taken out again.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestServer, type TestServer } from '../support/openaiServer';
import { E2E, WAIT, Workbench, updateUserSettings } from './workbench';

const FILE = 'generate-e2e.jsonl';
const BATCH_FILE = 'generate-batch-e2e.jsonl';
const BATCH_OUTPUT = 'generate-batch-e2e.generated.jsonl';
const BATCH_PROMPTS = Array.from({ length: 24 }, (_, i) => `Batch prompt ${i}: name a fruit that starts with the letter ${String.fromCharCode(65 + i)}.`);
const ANSWER = 'The Danube, the Rhine and the Nile each flow through several countries.';
const SETTINGS = {
  'distillery.endpoint.baseUrl': '',
  'distillery.endpoint.model': 'sim-small',
  'distillery.generate.samples': 1,
} as const;

describe('generate in the browser', function () {
  let workbench: Workbench;
  let server: TestServer;
  const dataset = () => path.join(E2E.workspace, FILE);
  const prompts = fs.readFileSync(path.join(E2E.workspace, 'prompts.jsonl'), 'utf8');

  before(async function () {
    this.timeout(WAIT.workbench * 2);
    server = await startTestServer({ seed: 3, rules: [{ reply: ANSWER }] });
    fs.writeFileSync(dataset(), prompts);
    // Written before the workbench opens, so that Quick Open's file list has it.
    fs.writeFileSync(path.join(E2E.workspace, BATCH_FILE), BATCH_PROMPTS.map((prompt) => JSON.stringify({ prompt })).join('\n') + '\n');
    updateUserSettings((settings) => Object.assign(settings, SETTINGS, { 'distillery.endpoint.baseUrl': server.baseURL }));
    workbench = await Workbench.open('generate');
  });

  const workspaceSettings = () => path.join(E2E.workspace, '.vscode', 'settings.json');

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench) await workbench.shot(`FAILED-${this.currentTest.title}`);
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(workspaceSettings(), { force: true });
    fs.rmSync(dataset(), { force: true });
    fs.rmSync(path.join(E2E.workspace, BATCH_FILE), { force: true });
    updateUserSettings((settings) => {
      for (const key of Object.keys(SETTINGS)) delete settings[key];
    });
    await server?.close();
  });

  /** The editor's lines as shown on screen, top to bottom (Monaco renders them out of DOM order). */
  async function shownLines(): Promise<string[]> {
    const lines = await workbench.page.locator('.editor-instance .view-lines .view-line').evaluateAll((elements) =>
      elements
        .map((element) => ({ top: parseFloat((element as unknown as { style: { top: string } }).style.top) || 0, text: (element.textContent ?? '').replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top)
        .map((line) => line.text),
    );
    return lines;
  }

  /** The endpoint approval, answered Allow, when it comes (it comes once per machine). */
  async function allowEndpointIfAsked(): Promise<void> {
    const dialog = workbench.page.locator('.monaco-dialog-box', { hasText: 'Distillery wants to send model requests to' });
    if (await dialog.isVisible()) await dialog.getByRole('button', { name: 'Allow' }).click();
  }

  it('clicks Generate on a prompt row, allows the endpoint, and sees the answer appear under the prompt; it is on disk after saving', async function () {
    this.timeout(WAIT.workbench * 2);
    const { page } = workbench;
    await workbench.quickOpen(FILE);
    await page.locator('.editor-instance .view-lines', { hasText: 'Name three rivers' }).waitFor();
    const firstPrompt = (await shownLines())[0] ?? '';
    assert.match(firstPrompt, /Name three rivers/);

    // The first row's lenses come first: Preview, then Generate.
    // The first request to a new endpoint asks; the person allows it.
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Distillery wants to send model requests to' });
    await workbench.clickCodeLens('Generate', 0, () => Workbench.showing(dialog));
    assert.match((await dialog.textContent()) ?? '', new RegExp(server.baseURL.replace(/\/v1$/, '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
    await workbench.shot('approve-endpoint');
    await dialog.getByRole('button', { name: 'Allow' }).click();

    await page.locator('.editor-instance .view-lines', { hasText: ANSWER }).waitFor({ timeout: WAIT.ui });
    await page.locator('.notifications-toasts', { hasText: '1 row added from 1 teacher' }).waitFor();
    await workbench.shot('row-generated');
    const lines = await shownLines();
    assert.equal(lines[0], firstPrompt, 'the prompt row stays as it was');
    assert.match(lines[1] ?? '', /^\{"prompt":"Name three rivers that flow through more than one country\.","completion":"The Danube, the Rhine/);
    assert.match(lines[1] ?? '', /"provenance":"synthetic"/);
    assert.match(lines[2] ?? '', /why the sky looks blue/, 'the next prompt follows the new row');
    assert.equal(server.chatRequests().length, 1, 'one teacher, one sample: one request');

    await workbench.editorTab(FILE).click();
    await page.keyboard.press('Control+S');
    const deadline = Date.now() + WAIT.ui;
    while (!fs.readFileSync(dataset(), 'utf8').includes(ANSWER)) {
      assert.ok(Date.now() < deadline, 'the saved file holds the new row');
      await page.waitForTimeout(100);
    }
    const onDisk = fs.readFileSync(dataset(), 'utf8').split('\n');
    assert.equal(onDisk.length, prompts.split('\n').length + 1, 'one row more on disk');
    const row = JSON.parse(onDisk[1] ?? '') as { prompt: string; completion: string; distillery: { provenance: string; teacher: { profile: string; model: string } } };
    assert.equal(row.completion, ANSWER);
    assert.equal(row.distillery.provenance, 'synthetic');
    assert.deepEqual(row.distillery.teacher, { profile: 'default', model: 'sim-small' });
    assert.equal(onDisk.slice(2).join('\n'), prompts.split('\n').slice(1).join('\n'), 'the other rows are byte for byte as they were');
  });

  it('generates a whole file into a new one, and after a window reload mid-run resumes it when asked: every prompt once', async function () {
    this.timeout(WAIT.workbench * 4);
    const { page } = workbench;
    const output = path.join(E2E.workspace, BATCH_OUTPUT);
    const batchPrompts = BATCH_PROMPTS;
    // One request at a time (the default profile's concurrency) at 400 ms each: about ten seconds.
    server.setLatency(400);
    try {
      await workbench.quickOpen(BATCH_FILE);
      await page.keyboard.press('F1');
      const quickInput = page.locator('.quick-input-widget input');
      await quickInput.fill('>Distillery: Generate Completions for File');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Generate Completions for File' }).first().waitFor();
      await page.keyboard.press('Enter');
      // The output path is asked, with the default beside the input.
      await page.locator('.quick-input-widget', { hasText: 'Where to write the generated rows' }).waitFor();
      assert.equal(await quickInput.inputValue(), BATCH_OUTPUT);
      await page.keyboard.press('Enter');
      await allowEndpointIfAsked();
      await page.locator('.notifications-toasts', { hasText: `generating ${BATCH_OUTPUT}` }).waitFor();

      const outputLines = () => (fs.existsSync(output) ? fs.readFileSync(output, 'utf8').split('\n').filter((line) => line.trim() !== '').length : 0);
      const deadline = Date.now() + WAIT.ui;
      while (outputLines() < 3) {
        assert.ok(Date.now() < deadline, 'the batch writes rows');
        await page.waitForTimeout(100);
      }
      await workbench.shot('batch-running');
      // code-server has been seen to start the reloaded window's extension host without the user
      // settings this test wrote behind the workbench's back (and to deliver no later change of that
      // file), where a person's settings are saved through the workbench. The workspace settings
      // file is read by the reloaded window, so the endpoint is named there too before the reload.
      fs.mkdirSync(path.dirname(workspaceSettings()), { recursive: true });
      fs.writeFileSync(workspaceSettings(), JSON.stringify({ ...SETTINGS, 'distillery.endpoint.baseUrl': server.baseURL }, null, 2));
      await page.reload({ waitUntil: 'domcontentloaded' });
      await page.locator('.monaco-workbench').waitFor({ timeout: WAIT.workbench });
      const beforeResume = outputLines();
      assert.ok(beforeResume < batchPrompts.length, `the reload cut the batch short (${beforeResume} rows)`);

      const offer = page.locator('.notifications-toasts .notification-toast', { hasText: `Resume generating ${BATCH_OUTPUT}?` });
      await offer.waitFor({ timeout: WAIT.workbench });
      await workbench.shot('resume-offer');
      await offer.getByRole('button', { name: 'Resume' }).click();
      await allowEndpointIfAsked();
      const done = page.locator('.notifications-toasts .notification-toast', { hasText: `Generated ${BATCH_OUTPUT}` });
      await done.waitFor({ timeout: WAIT.workbench });
      // The profile has no prices: the cost is unknown, not $0.
      assert.match((await done.textContent()) ?? '', /24 of 24 input rows done, \d+ already done before, cost unknown/);
      await workbench.shot('batch-resumed');

      const rows = fs.readFileSync(output, 'utf8').split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as { prompt: string; completion: string });
      assert.equal(rows.length, batchPrompts.length, 'one row per prompt');
      assert.deepEqual(rows.map((row) => row.prompt).sort(), [...batchPrompts].sort(), 'every prompt exactly once');
      assert.ok(rows.every((row) => row.completion === ANSWER));

      // Run again on the same output: it exists, so the command offers Resume, which finds nothing left to do.
      // (The reload may have brought back another editor in front.)
      await workbench.quickOpen(BATCH_FILE);
      await page.keyboard.press('F1');
      await quickInput.fill('>Distillery: Generate Completions for File');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Generate Completions for File' }).first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget', { hasText: 'Where to write the generated rows' }).waitFor();
      assert.equal(await quickInput.inputValue(), BATCH_OUTPUT);
      await page.keyboard.press('Enter');
      const exists = page.locator('.monaco-dialog-box', { hasText: `${BATCH_OUTPUT} exists` });
      await exists.waitFor();
      await workbench.shot('output-exists');
      await exists.getByRole('button', { name: 'Resume' }).click();
      await page
        .locator('.notifications-toasts .notification-toast', { hasText: `Generated ${BATCH_OUTPUT}: 0 rows written, 24 of 24 input rows done, 24 already done before` })
        .waitFor({ timeout: WAIT.workbench });
      assert.equal(fs.readFileSync(output, 'utf8').split('\n').filter((line) => line.trim() !== '').length, batchPrompts.length, 'nothing added twice');
    } finally {
      server.setLatency(undefined);
      fs.rmSync(output, { force: true });
      fs.rmSync(`${output}.errors.jsonl`, { force: true });
    }
  });
});
