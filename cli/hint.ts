/**
 * Commands the CLI prints for the user to run (issue #12: every hint must work as printed).
 * `directord` when that name on the PATH is this very program (`npm link`, `npm install -g .`),
 * else `node /path/to/bin/directord.js`, which works from any directory. Never `npx directord`:
 * outside this checkout npx would fetch whatever package of that name the registry has.
 */
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { packageRoot } from './paths.js';

/** Quotes `word` for a POSIX shell when it needs it. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const real = (path: string): string | null => {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
};

let cached: { key: string; command: string } | null = null;

/** How to run this CLI from a shell. */
export function cliCommand(env: NodeJS.ProcessEnv = process.env): string {
  const key = env.PATH ?? '';
  if (cached?.key === key) return cached.command;
  const bin = join(packageRoot(), 'bin', 'directord.js');
  const self = real(bin);
  const onPath = (env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, 'directord')) && real(join(dir, 'directord')) === self);
  const command = onPath ? 'directord' : `node ${shellWord(self ?? bin)}`;
  cached = { key, command };
  return command;
}

/** A `directord …` command line as the user can paste it. */
export function hint(...words: string[]): string {
  return [cliCommand(), ...words.map(shellWord)].join(' ');
}
