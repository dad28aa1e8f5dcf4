import type { LaunchCommand } from '../emit/launch.js';

/** The launch command as text: the command, its config file (TensorRT-LLM) and notes. Pure. */
export function launchText(emit: LaunchCommand | null): string {
  if (!emit) return '';
  const file = emit.configFile ? `  ${emit.configFile.name}:\n${emit.configFile.yaml.trimEnd().replace(/^/gm, '    ')}\n` : '';
  return `Launch (${emit.engine} ${emit.version}):\n  ${emit.command}\n${file}${emit.notes.map((n) => `  note: ${n}\n`).join('')}`;
}
