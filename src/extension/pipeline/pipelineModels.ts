import type { ModelRoles, ChatModel } from '../../core/llm/chatModel';
import type { ModelEngine } from '../../core/llm/engine';
import type { PipelineModels } from '../../core/pipeline/run/runnerTypes';

/**
 * The models a pipeline's steps call, by profile and by role. A role left empty falls back to the
 * default profile, else the only profile there is (as on the command line). Roles are resolved on
 * first use, so that a curation-only pipeline runs whatever the roles name.
 */
export function pipelineModelsOf(
  engine: ModelEngine,
  profileNames: readonly string[],
  roles: ModelRoles,
  options: { readonly defaultProfile?: string; readonly extra?: ReadonlyMap<string, ChatModel> } = {},
): PipelineModels {
  const fallback = options.defaultProfile ?? (profileNames.length === 1 ? profileNames[0] : undefined);
  const orFallback = (names: readonly string[]): string[] => (names.length > 0 ? [...names] : fallback !== undefined ? [fallback] : []);
  const model = (name: string): ChatModel => options.extra?.get(name) ?? engine.model(name);
  let teachers: ChatModel[] | undefined;
  let judges: ChatModel[] | undefined;
  return {
    model,
    get teachers() {
      return (teachers ??= orFallback(roles.teachers).map(model));
    },
    get critic() {
      const name = roles.critic ?? fallback;
      return name === undefined ? undefined : model(name);
    },
    get judges() {
      return (judges ??= orFallback(roles.judges).map(model));
    },
    ledger: engine.ledger,
  };
}
