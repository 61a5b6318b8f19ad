import type { Command } from 'commander';
import { suggestSimilar } from './suggest-similar.js';

/** The (sub)command the words of `args` lead to before `stop` (e.g. `outbox` for `outbox stauts`). */
function commandAt(program: Command, args: readonly string[], stop: string): Command {
  let current = program;
  for (const arg of args) {
    if (arg === stop || arg === '--') break;
    const next = current.commands.find((command) => command.name() === arg || command.aliases().includes(arg));
    if (next) current = next;
  }
  return current;
}

const quoteList = (names: string[]): string => names.map((name) => `\`${name}\``).join(names.length === 2 ? ' or ' : ', ');

/**
 * The message of commander's "unknown command" / "unknown option" errors, with a suggestion only
 * when a name is close (see `suggestSimilar`). `args` are the user's arguments (without node and
 * the script). Other messages come back unchanged.
 */
export function explainUnknown(program: Command, args: readonly string[], code: string, message: string): { message: string; hint?: string } {
  if (code === 'commander.excessArguments') return explainExcess(program, args, message);
  const unknown = /^unknown (command|option) '(.+)'/.exec(message);
  if (!unknown || (code !== 'commander.unknownCommand' && code !== 'commander.unknownOption')) return { message };
  const [, kind, typed] = unknown as unknown as [string, 'command' | 'option', string];
  const command = commandAt(program, args, typed);
  const path = [] as string[];
  for (let at: Command | null = command; at?.parent; at = at.parent) path.unshift(at.name());
  const usage = `mailbridge ${[...path, ''].join(' ')}--help`;
  if (kind === 'command') {
    const names = command.commands.filter((sub) => sub.name() !== 'help').flatMap((sub) => [sub.name(), ...sub.aliases()]);
    const close = suggestSimilar(typed, names);
    return {
      message: `Unknown command '${typed}'.${close.length > 0 ? ` Did you mean ${quoteList(close.map((name) => [...path, name].join(' ')))}?` : ''}`,
      hint: `Run \`${usage}\` for the commands.`,
    };
  }
  const flag = typed.split('=')[0] as string;
  const longOptions: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) for (const option of at.options) if (option.long && !option.hidden) longOptions.push(option.long);
  const close = flag.startsWith('--')
    ? suggestSimilar(
        flag.slice(2),
        longOptions.map((long) => long.slice(2)),
      ).map((name) => `--${name}`)
    : [];
  return { message: `Unknown option '${flag}'.${close.length > 0 ? ` Did you mean ${quoteList(close)}?` : ''}`, hint: `Run \`${usage}\` for the options.` };
}

/**
 * `mailbridge relay hash-pasword`: `relay` runs on its own and takes no arguments, so commander
 * reports too many arguments; the word was meant as one of its subcommands.
 */
function explainExcess(program: Command, args: readonly string[], message: string): { message: string; hint?: string } {
  let current = program;
  for (const arg of args) {
    if (arg === '--') break;
    if (arg.startsWith('-')) continue;
    const next = current.commands.find((command) => command.name() === arg || command.aliases().includes(arg));
    if (next) {
      current = next;
      continue;
    }
    const names = current.commands.filter((sub) => sub.name() !== 'help').map((sub) => sub.name());
    const close = suggestSimilar(arg, names);
    if (close.length > 0) {
      const path = commandPath(current);
      return { message: `Unknown command '${arg}' for '${path}'. Did you mean ${quoteList(close.map((name) => `${path} ${name}`))}?`, hint: `Run \`mailbridge ${path} --help\` for its commands.` };
    }
  }
  return { message };
}

/**
 * `mailbridge help sned`, `mailbridge outbox help stauts`: for a name it does not know, commander
 * prints the whole help on stderr and the command exits 0, as if help had been found. Returns the
 * explained usage error for such a name (a suggestion when one is close), undefined otherwise.
 * `args` are the user's arguments (without node and the script).
 */
export function explainHelpTopic(program: Command, args: readonly string[]): { message: string; hint?: string } | undefined {
  let current = program;
  const path: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === '--') return undefined;
    if (arg.startsWith('-')) {
      // An option's value is not a command name: `--config help` is a file called help.
      if (!arg.includes('=') && takesValue(current, arg)) index++;
      continue;
    }
    if (arg === 'help' && current.commands.length > 0) {
      const topic = args.slice(index + 1).filter((word) => !word.startsWith('-'));
      let at = current;
      for (const word of topic) {
        const next = at.commands.find((command) => command.name() === word || command.aliases().includes(word));
        if (!next || next.name() === 'help') return explainUnknown(program, [...path, ...topic.slice(0, topic.indexOf(word)), word], 'commander.unknownCommand', `unknown command '${word}'`);
        at = next;
      }
      return undefined;
    }
    const next = current.commands.find((command) => command.name() === arg || command.aliases().includes(arg));
    if (!next) return undefined;
    current = next;
    path.push(arg);
  }
  return undefined;
}

/** Whether `flag` is an option of `command` or one of its parents that takes a value. */
function takesValue(command: Command, flag: string): boolean {
  for (let at: Command | null = command; at; at = at.parent) {
    const option = at.options.find((candidate) => candidate.long === flag || candidate.short === flag);
    if (option) return option.required || option.optional;
  }
  return false;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}
