// A person previews rows that try to attack the webview, moving through them with the keyboard:
// `<script>`, `<img onerror>`, a javascript: link, and images pointing at a canary server on
// loopback. Nothing runs, nothing loads (the canary counts requests), and the text is shown as
// text. Then a preference row: chosen and rejected side by side, their differences marked.
//
// The fixture (test/fixtures/workspace/preview-attacks.jsonl) is written here because the
// canary's port is only known at run time; it is removed afterwards.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { E2E, WAIT, Workbench } from './workbench';

const FILE = 'preview-attacks.jsonl';
const FLAG = '__distilleryPwned';

function attackRows(port: number): string[] {
  const canary = `http://127.0.0.1:${port}`;
  return [
    JSON.stringify({
      messages: [
        { role: 'system', content: `<script>window.${FLAG} = 'system'; alert('system')</script> You are helpful.` },
        { role: 'user', content: `Hello <script>window.${FLAG} = 'script'; alert(1)</script> there` },
        { role: 'assistant', content: `Look: <img src=x onerror="window.${FLAG}='onerror'; alert(2)"> and <img src="${canary}/raw.png"> done` },
      ],
    }),
    '',
    JSON.stringify({
      prompt: 'Show me a link and a picture.',
      completion: `Here is [click me](javascript:window.${FLAG}='link';alert(3)) and ![x](${canary}/pixel.png) and <a href="javascript:alert(4)">raw link</a>.`,
    }),
    JSON.stringify({
      prompt: 'Name the largest planet in the solar system.',
      chosen: 'Jupiter is the largest planet in the solar system.',
      rejected: 'Saturn is the largest planet, I think.',
      distillery: { judge: 'sim-judge', verdict: { winner: 'chosen', agreement: 1 }, provenance: 'synthetic' },
    }),
  ];
}

describe('row preview in the browser', function () {
  let workbench: Workbench;
  let canary: http.Server;
  const canaryRequests: string[] = [];
  const dialogs: string[] = [];
  const fixture = () => path.join(E2E.workspace, FILE);

  before(async function () {
    this.timeout(WAIT.workbench * 2);
    canary = http.createServer((request, response) => {
      canaryRequests.push(`${request.method ?? ''} ${request.url ?? ''}`);
      response.writeHead(200, { 'content-type': 'image/png' }).end();
    });
    await new Promise<void>((resolve) => canary.listen(0, '127.0.0.1', resolve));
    const port = (canary.address() as AddressInfo).port;
    fs.writeFileSync(fixture(), attackRows(port).join('\n') + '\n');
    workbench = await Workbench.open('preview');
    workbench.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss().catch(() => {});
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && workbench) {
      await workbench.shot(`FAILED-${this.currentTest.title}`);
    }
  });

  after(async () => {
    await workbench?.close();
    fs.rmSync(fixture(), { force: true });
    await new Promise((resolve) => canary?.close(resolve));
  });

  async function preview(): Promise<FrameLocator> {
    return workbench.webview('Row preview');
  }

  /** The injected code's flag in the webview's window: undefined unless something ran. */
  async function flagIn(frame: FrameLocator): Promise<string> {
    // A string is evaluated as an expression in the frame of the element (the preview's page).
    return frame.locator('body').evaluate(`typeof window.${FLAG}`);
  }

  it('opens the preview of the first row from the palette, with the attacks shown as text', async () => {
    await workbench.quickOpen(FILE);
    await workbench.runCommand('Distillery: Show Row Preview');
    await workbench.editorTab(`Row 1 · ${FILE}`).waitFor();
    const frame = await preview();
    await frame.getByText(`window.${FLAG} = 'script'`, { exact: false }).first().waitFor();
    await frame.getByText('System prompt').waitFor();
    await workbench.shot('attacks-row-1');
    const assistant = (await frame.locator('.turn.role-assistant').textContent()) ?? '';
    assert.match(assistant, /<img src=x onerror=/, 'the raw <img onerror> is shown as text');
    assert.match(assistant, /<img src="http:\/\/127\.0\.0\.1:\d+\/raw\.png">/, 'the raw remote <img> is shown as text');
    assert.equal(await frame.locator('img').count(), 0, 'no image element');
    assert.equal(await frame.locator('#root script').count(), 0, 'no script element from the data');
    assert.equal(await frame.locator('body').evaluate('document.title'), 'Row preview', 'the checks run in the preview page');
    assert.equal(await flagIn(frame), 'undefined');
  });

  it('moves to the next row with the keyboard (j), skipping the blank line, without running a javascript: link or loading an image', async () => {
    const frame = await preview();
    await frame.locator('#row-title').click();
    await workbench.page.keyboard.press('j');
    await workbench.editorTab(`Row 3 · ${FILE}`).waitFor();
    await frame.getByText('[image: x — not loaded', { exact: false }).waitFor();
    await workbench.shot('attacks-row-3');
    const completion = (await frame.locator('.completion').textContent()) ?? '';
    assert.match(completion, /\[click me\]\(javascript:/, 'the javascript: link stays text');
    assert.match(completion, /<a href="javascript:alert\(4\)">raw link<\/a>/, 'the raw link stays text');
    assert.equal(await frame.locator('a[href]').count(), 0, 'no link element');
    assert.equal(await frame.locator('img').count(), 0, 'no image element');
    // A click on where the link would be does nothing either.
    await frame.getByText('click me', { exact: false }).first().click();
    assert.equal(await flagIn(frame), 'undefined');
  });

  it('shows a preference row side by side with its differences marked (ArrowDown)', async () => {
    const frame = await preview();
    await frame.locator('#row-title').click();
    await workbench.page.keyboard.press('ArrowDown');
    await workbench.editorTab(`Row 4 · ${FILE}`).waitFor();
    const chosen = frame.locator('#pair .answer.chosen');
    const rejected = frame.locator('#pair .answer.rejected');
    await chosen.waitFor();
    await workbench.shot('preference-row');
    const marksChosen = await chosen.locator('ins.diff-chosen').allTextContents();
    const marksRejected = await rejected.locator('del.diff-rejected').allTextContents();
    assert.ok(marksChosen.some((t) => t.includes('Jupiter')), `chosen marks: ${JSON.stringify(marksChosen)}`);
    assert.ok(marksRejected.some((t) => t.includes('Saturn')), `rejected marks: ${JSON.stringify(marksRejected)}`);
    assert.ok(!marksChosen.some((t) => t.includes('largest')), 'shared words are not marked');
    // Side by side: the rejected column starts to the right of the chosen one.
    const [a, b] = [await chosen.boundingBox(), await rejected.boundingBox()];
    assert.ok(a && b && b.x > a.x + a.width / 2, `columns: ${JSON.stringify([a, b])}`);
    const metadata = (await frame.locator('#metadata pre').textContent()) ?? '';
    assert.match(metadata, /"judge": "sim-judge"/);
  });

  it('switches the pair to rendered Markdown (d) and back, and goes back up with k and ArrowUp', async () => {
    const frame = await preview();
    await frame.locator('#row-title').click();
    await workbench.page.keyboard.press('d');
    await frame.getByText('Show differences').waitFor();
    assert.equal(await frame.locator('ins.diff-chosen').count(), 0);
    await workbench.page.keyboard.press('d');
    await frame.getByText('Show rendered Markdown').waitFor();
    await workbench.page.keyboard.press('k');
    await workbench.editorTab(`Row 3 · ${FILE}`).waitFor();
    await workbench.page.keyboard.press('ArrowUp');
    await workbench.editorTab(`Row 1 · ${FILE}`).waitFor();
    // The first row has no previous row: its Previous button is disabled.
    assert.equal(await frame.getByRole('button', { name: /Previous row/ }).isDisabled(), true);
  });

  it('received nothing on the canary, ran no injected script and opened no dialog', async () => {
    const frame = await preview();
    await workbench.page.waitForTimeout(1_000);
    assert.equal(await flagIn(frame), 'undefined');
    assert.deepEqual(canaryRequests, [], 'the canary server received requests');
    assert.deepEqual(dialogs, [], 'a dialog opened');
    await workbench.shot('attacks-done');
  });
});
