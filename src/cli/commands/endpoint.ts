import { describeEndpoint } from '../../core/llm/endpoint';
import type { CliCommand } from '../command';
import { ExitCode } from '../exitCodes';
import { endpointOptionHelp, endpointOptions, resolveEndpointFromOptions } from '../endpointOptions';

/** `distillery endpoint`: which endpoint and model would be used, without the key. */
export const endpointCommand: CliCommand = {
  name: 'endpoint',
  summary: 'Show the model endpoint the other commands would use (never the key)',
  usage: '[--profiles FILE] [--profile NAME] [--json]',
  optionHelp: [...endpointOptionHelp, '--json              print as JSON'],
  options: { ...endpointOptions, json: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ values, io }) {
    const description = describeEndpoint(await resolveEndpointFromOptions(values, io));
    if (values.json) {
      io.stdout.write(`${JSON.stringify(description, null, 2)}\n`);
    } else {
      for (const [key, value] of Object.entries(description)) io.stdout.write(`${key.padEnd(8)} ${value}\n`);
    }
    return ExitCode.Success;
  },
};
