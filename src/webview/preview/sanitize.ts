// Puts markdown.ts's HTML into the page without trusting it: the HTML is parsed into an inert
// document (DOMParser: nothing in it runs or loads), then rebuilt in the live page element by
// element from an allowlist of tags and attributes. Anything else is dropped; the text of an
// unknown element is kept as text. This is the second of three walls (markdown-it without HTML,
// this, the CSP).
import { isSafeLink } from './markdown';

const ALLOWED_TAGS = new Set([
  'p', 'br', 'hr', 'em', 'strong', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'span',
]);

/** Elements whose content is never shown, even as text. */
const DROPPED_WITH_CONTENT = new Set(['script', 'style', 'template', 'iframe', 'object', 'embed', 'noscript']);

function copyAttributes(from: Element, to: HTMLElement): void {
  const tag = to.tagName.toLowerCase();
  if (tag === 'a') {
    const href = from.getAttribute('href');
    if (href !== null && isSafeLink(href)) {
      to.setAttribute('href', href);
      to.setAttribute('title', href);
      to.setAttribute('rel', 'noopener noreferrer');
    }
  } else if (tag === 'ol') {
    const start = from.getAttribute('start');
    if (start !== null && /^\d{1,9}$/.test(start)) to.setAttribute('start', start);
  } else if (tag === 'code') {
    const cls = from.getAttribute('class');
    if (cls !== null && /^language-[\w+#.-]{1,40}$/.test(cls)) to.setAttribute('class', cls);
  } else if (tag === 'span') {
    if (from.getAttribute('class') === 'image-placeholder') to.setAttribute('class', 'image-placeholder');
  }
}

function rebuild(source: Node, target: Node): void {
  for (const child of Array.from(source.childNodes)) {
    if (child.nodeType === Node.TEXT_NODE) {
      target.appendChild(document.createTextNode(child.textContent ?? ''));
    } else if (child.nodeType === Node.ELEMENT_NODE) {
      const element = child as Element;
      const tag = element.tagName.toLowerCase();
      if (DROPPED_WITH_CONTENT.has(tag)) continue;
      if (ALLOWED_TAGS.has(tag)) {
        const copy = document.createElement(tag);
        copyAttributes(element, copy);
        rebuild(element, copy);
        target.appendChild(copy);
      } else {
        rebuild(element, target);
      }
    }
    // Comments, processing instructions and the rest are dropped.
  }
}

/** Replaces `container`'s children with the allowlisted rebuild of `html`. */
export function setSanitizedHtml(container: HTMLElement, html: string): void {
  const inert = new DOMParser().parseFromString(`<!DOCTYPE html><body>${html}</body>`, 'text/html');
  const fragment = document.createDocumentFragment();
  rebuild(inert.body, fragment);
  container.replaceChildren(fragment);
}
