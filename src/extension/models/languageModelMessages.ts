/**
 * Chat messages (the `openai` shape tasks build) as VS Code language models take them: only user
 * and assistant turns exist there, so system (and developer) turns are folded into the first user
 * message, ahead of its text and separated by a blank line. Pure, so unit tests cover it.
 */
import type OpenAI from 'openai';

export interface LanguageModelTurn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export function toLanguageModelTurns(messages: readonly OpenAI.ChatCompletionMessageParam[]): LanguageModelTurn[] {
  const system: string[] = [];
  const turns: LanguageModelTurn[] = [];
  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(textOf(message.content, index));
        break;
      case 'user':
        turns.push({ role: 'user', content: textOf(message.content, index) });
        break;
      case 'assistant':
        turns.push({ role: 'assistant', content: textOf(message.content ?? '', index) });
        break;
      default:
        throw new Error(`messages[${index}]: VS Code language models take no "${message.role}" turns`);
    }
  });
  if (system.length === 0) return turns;
  const instructions = system.join('\n\n');
  const firstUser = turns.findIndex((turn) => turn.role === 'user');
  if (firstUser === -1) return [{ role: 'user', content: instructions }, ...turns];
  const user = turns[firstUser] as LanguageModelTurn;
  turns[firstUser] = { role: 'user', content: user.content === '' ? instructions : `${instructions}\n\n${user.content}` };
  return turns;
}

/** Text content, or text parts joined; images, audio and files have no place in these requests. */
function textOf(content: string | ReadonlyArray<{ type: string; text?: string; refusal?: string }>, index: number): string {
  if (typeof content === 'string') return content;
  return content
    .map((part, partIndex) => {
      if (part.type === 'text' && typeof part.text === 'string') return part.text;
      if (part.type === 'refusal' && typeof part.refusal === 'string') return part.refusal;
      throw new Error(`messages[${index}].content[${partIndex}]: a "${part.type}" part cannot be sent to a VS Code language model (text only)`);
    })
    .join('');
}
