import * as vscode from 'vscode';
import { formatUsageTable } from '../../core/llm/accounting';
import type { CommandTable } from '../commandTable';
import type { Ctx } from '../ctx';
import { OTHER_ORIGIN, type OriginChoice } from './modelPrompts';
import { parseOriginInput } from './origins';

/** Set and clear API keys per origin, forget approved origins, show the session's usage. */
export const modelCommands: CommandTable = {
  'distillery.setApiKey': (ctx) => () => setApiKey(ctx),
  'distillery.clearApiKey': (ctx) => () => clearApiKey(ctx),
  'distillery.forgetApprovedEndpoints': (ctx) => () => forgetApprovedEndpoints(ctx),
  'distillery.showModelUsage': (ctx) => () => showModelUsage(ctx),
};

async function setApiKey(ctx: Ctx): Promise<void> {
  const models = ctx.models;
  const stored = new Set(models.apiKeys.origins());
  const choices: OriginChoice[] = [...models.configuredOrigins()].map(([origin, profiles]) => ({
    origin,
    detail: `profile${profiles.length === 1 ? '' : 's'} ${profiles.join(', ')}${stored.has(origin) ? ' · a key is stored' : ''}`,
  }));
  const picked = await models.prompts.pickOrigin('Distillery: Set API Key', choices, true);
  if (picked === undefined) return;
  let origin: string;
  let typed = false;
  if (picked === OTHER_ORIGIN) {
    const text = await models.prompts.inputUrl();
    if (text === undefined) return;
    const parsed = parseOriginInput(text);
    if (parsed === undefined) throw new Error('not an http:// or https:// URL (and without user:password@)');
    origin = parsed;
    typed = true;
  } else {
    origin = picked;
  }
  const key = (await models.prompts.inputKey(origin))?.trim();
  if (key === undefined || key === '') return;
  await models.setApiKey(origin, key);
  // The user named this origin themselves: that is the approval the first request would ask for.
  if (typed) await models.approval.approve(origin);
  ctx.logger.info(`API key stored for ${origin}${typed ? ' (origin approved)' : ''}`);
  void vscode.window.showInformationMessage(`Distillery: API key stored for ${origin}.`);
}

async function clearApiKey(ctx: Ctx): Promise<void> {
  const models = ctx.models;
  const configured = models.configuredOrigins();
  const choices: OriginChoice[] = models.apiKeys.origins().map((origin) => {
    const profiles = configured.get(origin);
    return { origin, detail: profiles ? `used by ${profiles.join(', ')}` : 'used by no configured profile' };
  });
  if (choices.length === 0) {
    void vscode.window.showInformationMessage('Distillery: no API keys are stored.');
    return;
  }
  const picked = await models.prompts.pickOrigin('Distillery: Clear API Key', choices, false);
  if (picked === undefined || picked === OTHER_ORIGIN) return;
  await models.clearApiKey(picked);
  ctx.logger.info(`API key cleared for ${picked}`);
  void vscode.window.showInformationMessage(`Distillery: API key cleared for ${picked}.`);
}

async function forgetApprovedEndpoints(ctx: Ctx): Promise<void> {
  const count = await ctx.models.forgetApprovals();
  ctx.logger.info(`forgot ${count} approved endpoint origin${count === 1 ? '' : 's'}`);
  void vscode.window.showInformationMessage(
    count === 0 ? 'Distillery: no endpoints were approved.' : `Distillery: forgot ${count} approved endpoint${count === 1 ? '' : 's'}; the next request to each asks again.`,
  );
}

function showModelUsage(ctx: Ctx): void {
  const summary = ctx.models.ledger.summary();
  if (summary.profiles.length === 0) {
    ctx.logger.info('model usage: no model calls in this window yet');
  } else {
    ctx.logger.info(`model usage (this window):\n${formatUsageTable(summary).join('\n')}`);
  }
  ctx.logger.show(false);
}
