/**
 * The prompts of the interactive review, over @inquirer/prompts (loaded here, on first use,
 * never at start-up). The flows talk to a {@link Prompter}, so they only ever build the same
 * options the flags build. Ctrl-C in a prompt rejects with inquirer's ExitPromptError, which
 * {@link isInterrupt} recognizes; the caller then exits 130 without writing anything.
 */
import type { Io } from '../commands/shared.js';

/** A choice of a select or checkbox prompt. */
export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
  checked?: boolean;
}

/** What the interactive flows ask with. */
export interface Prompter {
  select<T>(message: string, choices: Array<Choice<T>>, defaultValue?: T): Promise<T>;
  checkbox<T>(message: string, choices: Array<Choice<T>>): Promise<T[]>;
  /** A line of text; `validate` returns true or the message to show. */
  input(message: string, o?: { default?: string; validate?: (value: string) => true | string }): Promise<string>;
  /** Writes a line of explanation between prompts. */
  say(text: string): void;
}

/** True when `err` is inquirer's "the user pressed Ctrl-C" error. */
export function isInterrupt(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError');
}

/** A {@link Prompter} over @inquirer/prompts on the given terminal. */
export async function inquirerPrompter(io: Io): Promise<Prompter> {
  const p = await import('@inquirer/prompts');
  const context = { input: io.stdin, output: io.stdout as unknown as NodeJS.WritableStream };
  return {
    select: <T>(message: string, choices: Array<Choice<T>>, defaultValue?: T) =>
      p.select<T>({ message, choices: choices.map((c) => ({ name: c.name, value: c.value, ...(c.description ? { description: c.description } : {}) })), ...(defaultValue !== undefined ? { default: defaultValue } : {}), pageSize: 12 }, context),
    checkbox: <T>(message: string, choices: Array<Choice<T>>) =>
      p.checkbox<T>({ message, choices: choices.map((c) => ({ name: c.name, value: c.value, checked: c.checked === true, ...(c.description ? { description: c.description } : {}) })), pageSize: 12 }, context),
    input: (message: string, o: { default?: string; validate?: (value: string) => true | string } = {}) =>
      p.input({ message, ...(o.default !== undefined ? { default: o.default } : {}), ...(o.validate ? { validate: o.validate } : {}) }, context),
    say: (text: string) => {
      io.stdout.write(`${text}\n`);
    },
  };
}
