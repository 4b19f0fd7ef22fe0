import * as vscode from 'vscode';
import { readSettings, restrictedSettingKeys, type Settings, type SettingKey } from './settings';

export const configSection = 'distillery';

export type SettingSource = 'workspace folder settings' | 'workspace settings' | 'user settings' | 'default settings';

/** Typed access to the `distillery.*` settings, re-read when they change. */
export class Config implements vscode.Disposable {
  private current: Settings;
  private readonly changeEmitter = new vscode.EventEmitter<Settings>();
  private readonly listener: vscode.Disposable;
  private readonly trustListener: vscode.Disposable;

  /** Fires with the new settings after any `distillery.*` setting changes. */
  readonly onDidChange = this.changeEmitter.event;

  constructor() {
    this.current = Config.read();
    this.listener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(configSection)) return;
      this.reload();
    });
    // Granting trust brings the workspace's restricted values into force.
    this.trustListener = vscode.workspace.onDidGrantWorkspaceTrust(() => this.reload());
  }

  private reload(): void {
    this.current = Config.read();
    this.changeEmitter.fire(this.current);
  }

  get settings(): Settings {
    return this.current;
  }

  /**
   * Where a setting's value comes from, for messages ("workspace settings"): the most specific
   * scope that sets it (or sets `property` of an object setting), as trust allows.
   */
  sourceOf(key: SettingKey, property?: string): SettingSource {
    const inspected = vscode.workspace.getConfiguration(configSection).inspect<unknown>(key);
    const sets = (value: unknown): boolean =>
      property === undefined ? value !== undefined : typeof value === 'object' && value !== null && Object.hasOwn(value, property);
    const workspaceCounts = vscode.workspace.isTrusted || !isRestricted(key);
    if (workspaceCounts && sets(inspected?.workspaceFolderValue)) return 'workspace folder settings';
    if (workspaceCounts && sets(inspected?.workspaceValue)) return 'workspace settings';
    if (sets(inspected?.globalValue)) return 'user settings';
    return 'default settings';
  }

  private static read(): Settings {
    const section = vscode.workspace.getConfiguration(configSection);
    // `get` without a default returns the contributed default; inspect keeps the
    // normaliser the single source of fallbacks when a value has the wrong type.
    return readSettings((key: SettingKey) => (!vscode.workspace.isTrusted && isRestricted(key) ? userValue(section, key) : section.get<unknown>(key)));
  }

  dispose(): void {
    this.listener.dispose();
    this.trustListener.dispose();
    this.changeEmitter.dispose();
  }
}

function isRestricted(key: SettingKey): boolean {
  return (restrictedSettingKeys as readonly SettingKey[]).includes(key);
}

/**
 * VS Code already withholds a restricted setting's workspace values in an untrusted workspace;
 * reading the user's own value here makes that independent of how `get` merges scopes.
 */
function userValue(section: vscode.WorkspaceConfiguration, key: SettingKey): unknown {
  const inspected = section.inspect<unknown>(key);
  return inspected?.globalValue ?? inspected?.defaultValue;
}
