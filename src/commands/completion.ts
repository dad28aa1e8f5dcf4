import type { Command, Option } from 'commander';
import { InputError } from '../errors.js';
import { builtinNames } from '../presets/catalog.js';
import { SCHEMA_KINDS } from '../schema/kinds.js';
import { bashCompletion, fishCompletion, zshCompletion, type CommandSpec, type FlagSpec, type ValueKind } from '../render/completion.js';
import type { CommandResult } from './result.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** Prints a completion script for the shell, built from the program's own commands and flags. */
export function runCompletion(shell: string, program: Command): CommandResult {
  if (!(SHELLS as readonly string[]).includes(shell))
    throw new InputError(`completion: unknown shell '${shell}'; choose ${SHELLS.slice(0, -1).join(', ')} or ${SHELLS.at(-1)}`);
  const spec = commandSpec(program);
  // commander adds its help command only when it parses: complete it, and its argument, the command names.
  spec.subcommands.push({
    name: 'help',
    description: 'show help for a command',
    flags: [],
    argument: { kind: 'words', words: spec.subcommands.map((c) => c.name) },
    subcommands: [],
  });
  const render = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion }[shell as (typeof SHELLS)[number]];
  return { stdout: render(spec), stderr: [], exitCode: 0 };
}

/** What each value-taking flag or argument completes to; everything else is free text. */
function completionOf(name: string, choices: readonly string[] | undefined): ValueKind {
  if (choices) return { kind: 'words', words: [...choices] };
  if (name === '--model') return { kind: 'words-or-file', words: builtinNames('model') };
  if (name === '--cluster') return { kind: 'words-or-file', words: builtinNames('cluster') };
  if (name === '--engine') return { kind: 'words-or-file', words: builtinNames('engine') };
  // Preset and data files are YAML; the others any file.
  if (['--data', '--workload', '--output'].includes(name)) return { kind: 'file', yaml: true };
  if (['--chart-file', '--report', '--trace', '--nccl-tests'].includes(name)) return { kind: 'file' };
  return { kind: 'free' };
}

function flagSpec(option: Option): FlagSpec {
  const names = [option.short, option.long].filter((n): n is string => n !== undefined);
  const takesValue = option.required || option.optional;
  return { names, description: option.description, value: takesValue ? completionOf(option.long ?? '', option.argChoices) : { kind: 'none' } };
}

/** The positional argument of each command that has one. */
function argumentOf(command: Command): ValueKind | undefined {
  const path = `${command.parent?.name() === 'presets' ? 'presets ' : ''}${command.name()}`;
  switch (path) {
    case 'check':
    case 'calibrate':
      return { kind: 'file', yaml: true };
    case 'schema':
      return { kind: 'words', words: [...SCHEMA_KINDS] };
    case 'completion':
      return { kind: 'words', words: [...SHELLS] };
    case 'presets show':
      return {
        kind: 'words-or-file',
        words: [...builtinNames('model'), ...builtinNames('cluster'), ...builtinNames('engine'), ...builtinNames('gpu').map((n) => `gpu/${n}`)],
      };
    default:
      return command.registeredArguments.length ? { kind: 'free' } : undefined;
  }
}

function commandSpec(command: Command): CommandSpec {
  const help = command.createHelp();
  const flags = help.visibleOptions(command).map(flagSpec);
  return {
    name: command.name(),
    description: command.description(),
    flags,
    argument: argumentOf(command),
    subcommands: command.commands.map(commandSpec),
  };
}
