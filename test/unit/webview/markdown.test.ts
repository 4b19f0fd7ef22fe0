import { strict as assert } from 'node:assert';
import { isSafeLink, renderMarkdown } from '../../../src/webview/preview/markdown';

describe('row preview: markdown', () => {
  it('renders Markdown', () => {
    const html = renderMarkdown('# Title\n\n**bold** and `code`\n\n- a\n- b');
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<strong>bold<\/strong>/);
    assert.match(html, /<code>code<\/code>/);
    assert.match(html, /<li>a<\/li>/);
  });

  it('escapes raw HTML instead of passing it through', () => {
    const html = renderMarkdown('<script>window.pwned = 1</script>\n\n<img src=x onerror="alert(1)">\n\nok <b onmouseover="x()">b</b>');
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /<b /i);
    assert.match(html, /&lt;script&gt;window\.pwned = 1&lt;\/script&gt;/);
    assert.match(html, /&lt;img src=x onerror=&quot;alert\(1\)&quot;&gt;/);
  });

  it('keeps http, https and mailto links, and drops javascript:, data:, vbscript:, file: and relative ones', () => {
    const html = renderMarkdown('[a](https://example.org/x) [b](http://example.org) [c](mailto:a@example.org)');
    assert.match(html, /<a href="https:\/\/example\.org\/x" title="https:\/\/example\.org\/x" rel="noopener noreferrer">a<\/a>/);
    assert.match(html, /<a href="http:\/\/example\.org"/);
    assert.match(html, /<a href="mailto:a@example\.org"/);
    for (const target of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java\tscript:alert(1)', 'data:text/html;base64,PHNjcmlwdD4=', 'vbscript:x', 'file:///etc/passwd', 'relative/page.html', '#top']) {
      const out = renderMarkdown(`[x](${target})`);
      assert.doesNotMatch(out, /<a /, `${target} → ${out}`);
    }
    // Autolinks and reference links go through the same check.
    assert.doesNotMatch(renderMarkdown('<javascript:alert(1)>'), /<a /);
    assert.doesNotMatch(renderMarkdown('[x][r]\n\n[r]: javascript:alert(1)'), /<a /);
  });

  it('never emits an image: a remote image becomes a text placeholder', () => {
    const html = renderMarkdown('![a cat](http://127.0.0.1:9/pixel.png) and ![](https://example.org/x.png "t")');
    assert.doesNotMatch(html, /<img/i);
    assert.doesNotMatch(html, /src=/i);
    assert.match(html, /\[image: a cat — not loaded: http:\/\/127\.0\.0\.1:9\/pixel\.png\]/);
    assert.match(html, /\[image: no description — not loaded: https:\/\/example\.org\/x\.png\]/);
  });

  it('escapes code blocks and their language names', () => {
    const html = renderMarkdown('```"><script>x</script>\n<b>\n```');
    assert.doesNotMatch(html, /<script|<b>/);
  });

  it('checks link targets', () => {
    assert.ok(isSafeLink('https://a.example'));
    assert.ok(isSafeLink(' mailto:x@y.z'));
    assert.ok(!isSafeLink('javascript:alert(1)'));
    assert.ok(!isSafeLink('ja\nvascript:alert(1)'));
    assert.ok(!isSafeLink('//evil.example/x'));
    assert.ok(!isSafeLink('https\u0000://x'));
  });
});
