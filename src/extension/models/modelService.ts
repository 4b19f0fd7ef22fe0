/**
 * The editor's models, as every command gets them: `ctx.models`. Profiles and roles come from the
 * settings (`distillery.profiles`, `distillery.roles`, and `distillery.endpoint.*` as the implicit
 * profile "default"), keys from SecretStorage per origin, and VS Code's own language models
 * (`vscode-lm:<vendor>/<family>`). Every call goes through one engine per settings version and
 * is counted in the session's ledger; the first request to an origin the user has not approved
 * asks first.
 */
import * as vscode from 'vscode';
import { UsageLedger } from '../../core/llm/accounting';
import type { ChatModel } from '../../core/llm/chatModel';
import { ModelEngine, baseURLOf, originOf, type ModelEngineOptions } from '../../core/llm/engine';
import type { ModelProfile } from '../../core/llm/profile';
import type { Config } from '../config';
import { Disposable } from '../lifecycle';
import type { Logger } from '../logger';
import { ApiKeys } from './apiKeys';
import { LanguageModelChatModel, languageModelProfiles } from './languageModelChat';
import { editorPrompts, type ModelPrompts } from './modelPrompts';
import { OriginApproval } from './originApproval';
import { secretNameFor } from './origins';
import { LANGUAGE_MODEL_PREFIX, readModelSettings, type ModelSettings } from './profileSettings';

export interface ModelService {
  /** The models of `distillery.roles.teacher` (else the "default" profile); throws an Error saying what to set when none is configured. */
  teachers(): Promise<ChatModel[]>;
  /** The model of `distillery.roles.critic` (else the "default" profile); throws like `teachers`. */
  critic(): Promise<ChatModel>;
  /** The models of `distillery.roles.judge` (else the "default" profile); throws like `teachers`. */
  judges(): Promise<ChatModel[]>;
  /** Every call of this window's session, per profile; the status bar shows its totals. */
  readonly ledger: UsageLedger;
  /** Where the response cache lives (under the extension's storage); undefined when `distillery.cache.enabled` is off. */
  readonly cacheDirectory: string | undefined;
}

/**
 * The service behind `ctx.models`. A new engine is made when the model settings change, a key is
 * set or cleared, an approval is forgotten, or an origin was refused (the engine remembers its
 * answers); engines already handed out finish their calls and are disposed with the service.
 */
export class EditorModelService extends Disposable implements ModelService {
  readonly ledger = new UsageLedger();
  readonly apiKeys: ApiKeys;
  readonly approval: OriginApproval;
  /** The questions to the user; the test API replaces them (see testApi.ts). */
  prompts: ModelPrompts = editorPrompts;
  private readonly cacheRoot: string;
  private resolved: ModelSettings;
  private engine: ModelEngine | undefined;
  private readonly engines: ModelEngine[] = [];
  private reportedProblems = '';

  constructor(
    extension: vscode.ExtensionContext,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {
    super();
    this.apiKeys = new ApiKeys(extension.secrets, extension.globalState);
    this.approval = new OriginApproval(extension.globalState, (origin, source) => this.prompts.approveOrigin(origin, source));
    this.cacheRoot = vscode.Uri.joinPath(extension.storageUri ?? extension.globalStorageUri, 'response-cache').fsPath;
    this.resolved = this.resolve();
    this.logModelSettings();
    this._register(config.onDidChange(() => {
      const next = this.resolve();
      const modelsChanged = modelSettingsKey(next) !== modelSettingsKey(this.resolved);
      if (modelsChanged || this.cacheDirectory !== this.engineCacheDirectory) this.engine = undefined;
      this.resolved = next;
      if (modelsChanged) this.logModelSettings();
      this.reportProblems();
    }));
    // Another window may set or clear a key: the next engine reads it afresh.
    this._register(extension.secrets.onDidChange((event) => {
      if (event.key.startsWith(secretNameFor(''))) this.engine = undefined;
    }));
    this._register({ dispose: () => this.engines.splice(0).forEach((engine) => engine.dispose()) });
  }

  get cacheDirectory(): string | undefined {
    return this.config.settings.cacheEnabled ? this.cacheRoot : undefined;
  }

  /** The model settings as last read, problems included. */
  get settings(): ModelSettings {
    return this.resolved;
  }

  async teachers(): Promise<ChatModel[]> {
    return Promise.all(this.namesFor('teacher', this.resolved.roles.teachers).map((name) => this.modelFor(name)));
  }

  async critic(): Promise<ChatModel> {
    const [name] = this.namesFor('critic', this.resolved.roles.critic !== undefined ? [this.resolved.roles.critic] : []);
    return this.modelFor(name as string);
  }

  async judges(): Promise<ChatModel[]> {
    return Promise.all(this.namesFor('judge', this.resolved.roles.judges).map((name) => this.modelFor(name)));
  }

  /** The model of any profile by name (`vscode-lm:` names included). */
  async modelFor(name: string): Promise<ChatModel> {
    if (name.startsWith(LANGUAGE_MODEL_PREFIX)) {
      const available = await languageModelProfiles();
      const chat = available.get(name);
      if (!chat) {
        const names = [...available.keys()];
        throw new Error(`VS Code offers no language model "${name}" now (${names.length > 0 ? `available: ${names.join(', ')}` : 'it offers none; install or sign in to a language model provider'})`);
      }
      return new LanguageModelChatModel(name, chat, this.ledger);
    }
    return this.currentEngine().model(name);
  }

  /**
   * A new engine for a pipeline run, over `profiles` (a pipeline file's own "models"; `source`
   * names the file) or else the settings' profiles: keys from SecretStorage by origin, each
   * origin approved before its first request, calls counted in the session's ledger. The caller
   * disposes it.
   */
  pipelineEngine(profiles: ReadonlyMap<string, ModelProfile> | undefined, source: string, options: Pick<ModelEngineOptions, 'cacheDirectory' | 'cacheMode' | 'deferRequests'> = {}): ModelEngine {
    if (this.isDisposed) throw new Error('Distillery is shutting down');
    return new ModelEngine({
      profiles: profiles ?? this.resolved.profiles,
      keyFor: (profile) => this.apiKeys.get(originOf(baseURLOf(profile))),
      beforeFirstRequest: (origin, profile) => this.approval.ensure(origin, profiles ? `profile "${profile.name}" from ${source}` : this.describeSource(profile.name)),
      ledger: this.ledger,
      log: (message) => this.logger.warn(message),
      ...options,
    });
  }

  /** Origins of the configured profiles, each with the profiles that use it. */
  configuredOrigins(): Map<string, string[]> {
    const origins = new Map<string, string[]>();
    for (const profile of this.resolved.profiles.values()) {
      const origin = originOf(baseURLOf(profile));
      origins.set(origin, [...(origins.get(origin) ?? []), profile.name]);
    }
    return origins;
  }

  /** Stores a key; the engine made next uses it. */
  async setApiKey(origin: string, key: string): Promise<void> {
    await this.apiKeys.set(origin, key);
    this.engine = undefined;
  }

  async clearApiKey(origin: string): Promise<void> {
    await this.apiKeys.clear(origin);
    this.engine = undefined;
  }

  async forgetApprovals(): Promise<number> {
    const count = await this.approval.forgetAll();
    this.engine = undefined;
    return count;
  }

  /** Logs each new set of settings problems and shows one warning for it; never throws. */
  reportProblems(): void {
    const problems = this.resolved.problems;
    const key = problems.join('\n');
    if (key === this.reportedProblems) return;
    this.reportedProblems = key;
    if (problems.length === 0) return;
    for (const problem of problems) this.logger.warn(`model settings: ${problem}`);
    const first = problems[0] as string;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more; see the log)` : '';
    void vscode.window.showWarningMessage(`Distillery: ${first}${more}`, 'Open Settings', 'Show Log').then((choice) => {
      // The setting itself (distillery.profiles), not the field inside it, is what the editor can find.
      const setting = /^distillery\.(?:profiles|roles|endpoint\.\w+)/.exec(first)?.[0] ?? 'distillery';
      if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', setting);
      if (choice === 'Show Log') this.logger.show(false);
    });
  }

  private namesFor(role: 'teacher' | 'critic' | 'judge', names: readonly string[]): string[] {
    if (names.length > 0) return [...names];
    const problems = this.resolved.problems.length;
    throw new ModelSetupError(
      `No ${role} model: set distillery.roles.${role} to a profile of distillery.profiles, or set distillery.endpoint.baseUrl and distillery.endpoint.model.` +
        (problems > 0 ? ` ${problems} problem${problems === 1 ? '' : 's'} in the model settings: see the log.` : ''),
    );
  }

  private engineCacheDirectory: string | undefined;

  private currentEngine(): ModelEngine {
    if (this.isDisposed) throw new Error('Distillery is shutting down');
    if (this.engine) return this.engine;
    const cacheDirectory = this.cacheDirectory;
    const engine = new ModelEngine({
      profiles: this.resolved.profiles,
      keyFor: (profile) => this.apiKeys.get(originOf(baseURLOf(profile))),
      beforeFirstRequest: async (origin, profile) => {
        const allowed = await this.approval.ensure(origin, this.describeSource(profile.name));
        // The engine remembers a refusal for its lifetime: the next engine asks again.
        if (!allowed && this.engine === engine) this.engine = undefined;
        return allowed;
      },
      ledger: this.ledger,
      ...(cacheDirectory !== undefined ? { cacheDirectory } : {}),
      log: (message) => this.logger.warn(message),
    });
    this.engine = engine;
    this.engineCacheDirectory = cacheDirectory;
    this.engines.push(engine);
    return engine;
  }

  /** `profile "local" from workspace settings`: where a profile's endpoint was configured. */
  private describeSource(name: string): string {
    const setting = this.resolved.settingOf.get(name);
    const source = setting === 'distillery.endpoint'
      ? this.config.sourceOf('endpoint.baseUrl')
      : this.config.sourceOf('profiles', name);
    return `profile "${name}" from ${source}`;
  }

  /** Which profiles play which part, for the log: what a "No teacher model" is to be read against. */
  private logModelSettings(): void {
    const { profiles, roles } = this.resolved;
    const names = [...profiles.keys()];
    this.logger.info(`model settings: ${names.length > 0 ? `profiles ${names.join(', ')}` : 'no profiles'}; teachers ${roles.teachers.join(', ') || '(none)'}, critic ${roles.critic ?? '(none)'}, judges ${roles.judges.join(', ') || '(none)'}`);
  }

  private resolve(): ModelSettings {
    return readModelSettings(this.config.settings);
  }
}

/** The model settings leave a role empty; the message says what to set. */
export class ModelSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelSetupError';
  }
}

function modelSettingsKey(settings: ModelSettings): string {
  return JSON.stringify({ profiles: [...settings.profiles.entries()], settingOf: [...settings.settingOf.entries()], roles: settings.roles });
}
