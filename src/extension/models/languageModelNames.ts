// Profile names for VS Code's language models. Pure, so unit tests cover it.
import { LANGUAGE_MODEL_PREFIX } from './profileSettings';

/** Names models `vscode-lm:<vendor>/<family>`, falling back to the id when a family repeats. */
export function languageModelNames<T extends { vendor: string; family: string; id: string }>(models: readonly T[]): Map<string, T> {
  const named = new Map<string, T>();
  for (const model of models) {
    const byFamily = `${LANGUAGE_MODEL_PREFIX}${model.vendor}/${model.family || model.id}`;
    named.set(named.has(byFamily) ? `${LANGUAGE_MODEL_PREFIX}${model.vendor}/${model.id}` : byFamily, model);
  }
  return named;
}
