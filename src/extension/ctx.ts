import type * as vscode from 'vscode';
import { Config } from './config';
import { DatasetModel } from './datasetModel';
import { Disposable } from './lifecycle';
import { Logger } from './logger';
import { EditorModelService } from './models/modelService';

/**
 * What every feature of the extension shares: the logger, the settings and the
 * extension's own paths. It owns every disposable a feature creates, so deactivation
 * releases everything.
 */
export class Ctx extends Disposable {
  readonly logger: Logger;
  readonly config: Config;
  /** Parsed views of open dataset documents, one per document version. */
  readonly datasets: DatasetModel;
  /** Models by role (teachers, critic, judges) from the settings, the session's usage ledger and the response cache's place. */
  readonly models: EditorModelService;

  constructor(readonly extension: vscode.ExtensionContext) {
    super();
    this.logger = this._register(new Logger('Distillery'));
    this.config = this._register(new Config());
    this.datasets = this._register(new DatasetModel());
    this.models = this._register(new EditorModelService(extension, this.config, this.logger));
  }

  get extensionUri(): vscode.Uri {
    return this.extension.extensionUri;
  }

  /** Ties a disposable's lifetime to the extension's. */
  register<T extends vscode.Disposable>(disposable: T): T {
    return this._register(disposable);
  }
}
