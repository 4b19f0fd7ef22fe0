import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { parseProfilesFile, resolveEndpoint, type Endpoint } from '../core/llm/endpoint';
import { InputError } from '../core/errors/located';
import type { CommandInput, OptionsConfig } from './command';
import type { CliIo } from './io';

/** The options every command that calls a model shares. */
export const endpointOptions: OptionsConfig = {
  profiles: { type: 'string' },
  profile: { type: 'string' },
};

export const endpointOptionHelp = [
  '--profiles FILE     a JSONC profiles file (default: $DISTILLERY_PROFILES)',
  '--profile NAME      the profile to use (default: the file\'s "default", else the environment)',
];

/** The environment decides (OPENAI_BASE_URL, OPENAI_API_KEY) unless a profiles file says otherwise. */
export async function resolveEndpointFromOptions(values: CommandInput['values'], io: CliIo): Promise<Endpoint> {
  const profilesPath = stringValue(values.profiles) ?? io.env.DISTILLERY_PROFILES;
  const profileName = stringValue(values.profile);
  if (profilesPath === undefined) return resolveEndpoint(io.env, undefined, profileName);
  let text: string;
  try {
    text = await readFile(path.resolve(io.cwd, profilesPath), 'utf8');
  } catch (error) {
    throw new InputError(`${profilesPath}: cannot read profiles file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return resolveEndpoint(io.env, parseProfilesFile(text, profilesPath), profileName);
}

function stringValue(value: CommandInput['values'][string]): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
