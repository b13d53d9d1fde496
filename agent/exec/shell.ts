/** Safe shell text for `/bin/sh`: single-quote quoting, env assignments and the job script. */
import { ExecError } from './types.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes a value for sh: `'...'` with every `'` written as `'\''`. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new ExecError('a NUL byte cannot be passed to the shell');
  return `'${value.replaceAll("'", "'\\''")}'`;
}

export function isEnvName(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** `K='v' K2='v2' ` prefix assignments; refuses names that are not shell identifiers. */
export function envAssignments(env: Readonly<Record<string, string>>): string {
  let out = '';
  for (const [name, value] of Object.entries(env)) {
    if (!isEnvName(name)) throw new ExecError(`invalid environment variable name: ${JSON.stringify(name)}`);
    out += `${name}=${shellQuote(String(value))} `;
  }
  return out;
}

/** Checks env for the spawn executor the same way the fork server does. */
export function checkEnv(env: Readonly<Record<string, string>>): void {
  envAssignments(env);
}

/** The script given to `sh -c`: the command, preceded by a `cd` when a cwd is requested. */
export function jobScript(command: string, cwd?: string): string {
  if (command.includes('\0')) throw new ExecError('a NUL byte cannot be passed to the shell');
  return cwd ? `cd -- ${shellQuote(cwd)} || exit 1\n${command}` : command;
}
