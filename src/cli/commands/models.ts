import OpenAI from 'openai';
import type { CliCommand } from '../command';
import { ExitCode } from '../exitCodes';
import { endpointOptionHelp, endpointOptions, resolveEndpointFromOptions } from '../endpointOptions';

/** `distillery models`: lists the models the endpoint serves; a quick check that it answers. */
export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'List the models the configured endpoint serves',
  usage: '[--profiles FILE] [--profile NAME] [--json]',
  optionHelp: [...endpointOptionHelp, '--json              print as JSON'],
  options: { ...endpointOptions, json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const endpoint = await resolveEndpointFromOptions(values, io);
    const client = new OpenAI({
      baseURL: endpoint.baseURL,
      // Local servers (vLLM, Ollama, the simulator) need no key. The client insists on one, so a
      // keyless call gets a placeholder and no Authorization header at all (as the engine does).
      apiKey: endpoint.apiKey ?? 'unused',
      ...(endpoint.apiKey === undefined ? { defaultHeaders: { Authorization: null } } : {}),
      maxRetries: 2,
      timeout: 30_000,
    });
    const ids: string[] = [];
    for await (const model of client.models.list({ signal: io.signal })) ids.push(model.id);
    ids.sort();
    io.stdout.write(values.json ? `${JSON.stringify(ids)}\n` : ids.map((id) => `${id}\n`).join(''));
    return ExitCode.Success;
  },
};
