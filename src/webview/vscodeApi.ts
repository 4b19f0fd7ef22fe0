/** The API VS Code injects into a webview; typed by the panel's own message protocol. */
export interface VsCodeApi<Outgoing, State> {
  postMessage(message: Outgoing): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<Outgoing, State>(): VsCodeApi<Outgoing, State>;

/** Call once per page: VS Code allows acquiring the API a single time. */
export function vscodeApi<Outgoing, State>(): VsCodeApi<Outgoing, State> {
  return acquireVsCodeApi<Outgoing, State>();
}

/** Creates an element whose text is set as text, never parsed as HTML. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, attributes: Record<string, string> = {}): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}
