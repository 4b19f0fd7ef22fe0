// Markdown from dataset rows, rendered so that it can do nothing but show text:
//   - raw HTML is off (`html: false`): `<script>`, `<img onerror=…>` come out as escaped text;
//   - links only to http, https and mailto (markdown-it's own check, then ours), opened by VS Code;
//   - images are never loaded: each becomes a text placeholder naming its alt text and address.
// The webview then rebuilds the result element by element through an allowlist (sanitize.ts),
// and the page's CSP allows no remote image and no script but our own.
// Pure: no DOM, so the unit tests run it in Node.
import MarkdownIt from 'markdown-it';

type Renderer = InstanceType<typeof MarkdownIt>;

const SAFE_LINK = /^(?:https?:\/\/|mailto:)/i;

/** True for the link targets the preview keeps: http(s) and mailto only. */
export function isSafeLink(url: string): boolean {
  // Browsers ignore control characters inside a scheme ("java\tscript:"): refuse them outright.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(url)) return false;
  return SAFE_LINK.test(url.trim());
}

function createRenderer(): Renderer {
  const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: true });
  const defaultValidate = md.validateLink.bind(md);
  md.validateLink = (url: string) => defaultValidate(url) && isSafeLink(url);

  md.renderer.rules.image = (tokens, index) => {
    const token = tokens[index];
    const alt = token ? token.children?.map((child) => child.content).join('') ?? token.content : '';
    const src = String(token?.attrGet('src') ?? '');
    const text = `[image: ${alt || 'no description'} — not loaded${src ? `: ${src}` : ''}]`;
    return `<span class="image-placeholder">${md.utils.escapeHtml(text)}</span>`;
  };

  const renderToken = md.renderer.renderToken.bind(md.renderer);
  md.renderer.rules.link_open = (tokens, index, options) => {
    const token = tokens[index];
    if (token) {
      const raw = token.attrGet('href');
      const href = raw === null ? '' : String(raw);
      if (!isSafeLink(href)) {
        token.attrs = null;
      } else {
        token.attrSet('title', href);
        token.attrSet('rel', 'noopener noreferrer');
      }
    }
    return renderToken(tokens, index, options);
  };
  return md;
}

let renderer: Renderer | undefined;

/** The HTML of `text` read as Markdown, under the rules above. */
export function renderMarkdown(text: string): string {
  renderer ??= createRenderer();
  return renderer.render(text);
}
