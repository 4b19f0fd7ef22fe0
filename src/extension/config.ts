import * as vscode from 'vscode';
import { readSettings, type Settings, type SettingKey } from './settings';

export const configSection = 'distillery';

/** Typed access to the `distillery.*` settings, re-read when they change. */
export class Config implements vscode.Disposable {
  private current: Settings;
  private readonly changeEmitter = new vscode.EventEmitter<Settings>();
  private readonly listener: vscode.Disposable;

  /** Fires with the new settings after any `distillery.*` setting changes. */
  readonly onDidChange = this.changeEmitter.event;

  constructor() {
    this.current = Config.read();
    this.listener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration(configSection)) return;
      this.current = Config.read();
      this.changeEmitter.fire(this.current);
    });
  }

  get settings(): Settings {
    return this.current;
  }

  private static read(): Settings {
    const section = vscode.workspace.getConfiguration(configSection);
    // `get` without a default returns the contributed default; inspect keeps the
    // normaliser the single source of fallbacks when a value has the wrong type.
    return readSettings((key: SettingKey) => section.get<unknown>(key));
  }

  dispose(): void {
    this.listener.dispose();
    this.changeEmitter.dispose();
  }
}
