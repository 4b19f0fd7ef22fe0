import type * as vscode from 'vscode';
import { secretNameFor } from './origins';

/** globalState: the origins that have a stored key (SecretStorage cannot list its entries). Names only, never keys. */
const ORIGINS_WITH_KEYS = 'distillery.originsWithApiKeys';

/**
 * API keys in VS Code's SecretStorage, one per endpoint origin (`scheme://host[:port]`). Keys
 * never go into settings, the log or error messages; only the origins are remembered in the clear.
 */
export class ApiKeys {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
  ) {}

  async get(origin: string): Promise<string | undefined> {
    const key = await this.secrets.get(secretNameFor(origin));
    return key === undefined || key === '' ? undefined : key;
  }

  async set(origin: string, key: string): Promise<void> {
    await this.secrets.store(secretNameFor(origin), key);
    const origins = new Set(this.origins());
    origins.add(origin);
    await this.state.update(ORIGINS_WITH_KEYS, [...origins].sort());
  }

  async clear(origin: string): Promise<void> {
    await this.secrets.delete(secretNameFor(origin));
    await this.state.update(ORIGINS_WITH_KEYS, this.origins().filter((known) => known !== origin));
  }

  /** Origins with a stored key, as far as this machine's record goes. */
  origins(): string[] {
    const value = this.state.get<unknown>(ORIGINS_WITH_KEYS);
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  }
}
