/** FileOps for components: node:fs/promises, with user/group names resolved on this host. */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, chmod, chown, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { FileOps } from '../../components/define.js';

/** Looks `name` up in an /etc/passwd-style file; returns field 3 (the numeric id) or null. */
async function lookupFile(path: string, name: string): Promise<number | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields[2] !== undefined && /^\d+$/.test(fields[2])) return Number(fields[2]);
  }
  return null;
}

/** `getent passwd|group NAME` for users from NSS (LDAP, sssd); null when unknown or unavailable. */
function getent(database: 'passwd' | 'group', name: string): Promise<number | null> {
  return new Promise((resolve) => {
    execFile('getent', [database, name], { timeout: 5000 }, (error, stdout) => {
      const id = error ? undefined : stdout.split(':')[2];
      resolve(id !== undefined && /^\d+$/.test(id) ? Number(id) : null);
    });
  });
}

/** Numeric ids pass through; names go through /etc/passwd or /etc/group, then getent. */
export async function resolveId(kind: 'user' | 'group', value: string): Promise<number> {
  if (/^\d+$/.test(value)) return Number(value);
  const file = kind === 'user' ? '/etc/passwd' : '/etc/group';
  const id = (await lookupFile(file, value)) ?? (await getent(kind === 'user' ? 'passwd' : 'group', value));
  if (id === null) throw new Error(`unknown ${kind} ${value}`);
  return id;
}

export function sha3_224File(path: string): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha3-224');
    const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('end', () => resolve(hash.digest('hex')));
    stream.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(null) : reject(error)));
  });
}

export const hostFiles: FileOps = {
  async mkdirp(path) {
    await mkdir(path, { recursive: true });
  },
  async chown(path, user, group) {
    const uid = user === null ? -1 : await resolveId('user', user);
    const gid = group === null ? -1 : await resolveId('group', group);
    await chown(path, uid, gid);
  },
  chmod: (path, mode) => chmod(path, mode),
  readText: (path) => readFile(path, 'utf8'),
  /** Atomic: written to a temp file beside `path`, then renamed over it (readers never see half a file). */
  async writeFile(path, data, options) {
    const tmp = join(dirname(path), `.${basename(path)}.directord-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, data, options?.mode !== undefined ? { mode: options.mode } : {});
      if (options?.mode !== undefined) await chmod(tmp, options.mode);
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true }).catch(() => {});
      throw error;
    }
  },
  sha3_224: sha3_224File,
  async exists(path) {
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  },
  readdir: async (path) => (await readdir(path)).sort(),
};
