/**
 * Where the secrets key comes from (issue #18): the seam between the server, which only needs a
 * key, and a host that keeps it better than a file. `fileKeyProvider` is `DATA_DIR/secrets.key`
 * (0600), as the headless server always had. `wrappedKeyProvider` keeps it wrapped by something
 * the host trusts (the desktop app: Electron's safeStorage, i.e. the OS keychain; electron/
 * secrets-key.ts) in `DATA_DIR/secrets.key.safe`, and migrates a plain key left by an earlier
 * version: wrapped, checked by unwrapping it again, then the plain file removed.
 *
 * A wrapped key that does not unwrap is an error, never a reason to make a new key: a new key
 * would make every stored secret, notification signing key and trigger key unreadable. No
 * Electron here (lint enforces it): the wrapper is handed in.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../protocol/log.js';
import { loadOrCreateSecretsKey, type SecretsKey } from './seal.js';
import { writeFileAtomic } from '../util/atomic-file.js';

/** Gives the key the server seals with; rejects (a message for the operator) when it cannot. */
export type SecretsKeyProvider = (dataDir: string) => SecretsKey | Promise<SecretsKey>;

/** Something that wraps a small secret for this user on this machine (the OS keychain). */
export type KeyWrapper = Readonly<{
  /** What it is, for messages: "the OS keychain (Electron safeStorage)". */
  name: string;
  /** False when it cannot wrap here (no keychain): the plain file is kept then. */
  available(): Promise<boolean>;
  wrap(plain: string): Promise<Buffer>;
  /**
   * Rejects when `wrapped` was not made by this wrapper for this user (another machine, a reset
   * keychain). `stale`: it opened, but should be wrapped again (the keychain's key was rotated).
   */
  unwrap(wrapped: Buffer): Promise<{ plain: string; stale: boolean }>;
}>;

export const PLAIN_KEY_FILE = 'secrets.key';
export const WRAPPED_KEY_FILE = 'secrets.key.safe';
const HEX_KEY = /^[0-9a-f]{64}$/i;

export const fileKeyProvider: SecretsKeyProvider = (dataDir) => loadOrCreateSecretsKey(join(dataDir, PLAIN_KEY_FILE));

function ensureDir(dataDir: string) {
  if (!existsSync(dataDir)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
  }
}

export function wrappedKeyProvider(wrapper: KeyWrapper, log?: Logger): (dataDir: string) => Promise<SecretsKey> {
  return async (dataDir) => {
    ensureDir(dataDir);
    const plainPath = join(dataDir, PLAIN_KEY_FILE);
    const wrappedPath = join(dataDir, WRAPPED_KEY_FILE);
    const unwrapFile = async (): Promise<{ text: string; stale: boolean }> => {
      let text: string;
      let stale: boolean;
      try {
        const opened = await wrapper.unwrap(readFileSync(wrappedPath));
        text = opened.plain.trim();
        stale = opened.stale;
      } catch (error) {
        throw new Error(
          `${wrappedPath} cannot be unwrapped with ${wrapper.name} (${error instanceof Error ? error.message : String(error)}). ` +
            'Secrets are not started and no new key was made (it would make every stored secret unreadable): ' +
            `restore access to the keychain this data dir was used with, or put the key back as ${plainPath} (64 hex digits, 0600) from a backup.`,
          { cause: error },
        );
      }
      if (!HEX_KEY.test(text))
        throw new Error(
          `${wrappedPath} unwrapped to something that is not a secrets key (64 hex digits); restore it or ${plainPath} from a backup. No new key was made.`,
        );
      return { text, stale };
    };

    if (existsSync(wrappedPath)) {
      const { text, stale } = await unwrapFile();
      if (stale) {
        writeFileAtomic(wrappedPath, await wrapper.wrap(text));
        log?.info(`secrets key: wrapped again (${wrapper.name} asked for it)`, { file: wrappedPath });
      }
      if (existsSync(plainPath)) {
        // A migration stopped after the wrapped file was written: finish it if both hold the same key.
        const plain = readFileSync(plainPath, 'utf8').trim();
        if (plain.toLowerCase() !== text.toLowerCase())
          throw new Error(
            `${plainPath} and ${wrappedPath} hold different keys; keep the one the stored secrets were sealed with and remove the other. Secrets are not started.`,
          );
        rmSync(plainPath);
        log?.info('secrets key: removed the plain copy of the wrapped key', { file: plainPath });
      }
      return { key: Buffer.from(text, 'hex') };
    }

    if (!(await wrapper.available())) {
      log?.warn(`secrets key: ${wrapper.name} is not available here; the key stays in a plain file (0600)`, { file: plainPath });
      return loadOrCreateSecretsKey(plainPath);
    }

    const migrating = existsSync(plainPath);
    // loadOrCreateSecretsKey checks a found key (64 hex digits) and refuses a broken one.
    const key = migrating ? loadOrCreateSecretsKey(plainPath).key : randomBytes(32);
    const text = key.toString('hex');
    writeFileAtomic(wrappedPath, await wrapper.wrap(text));
    // Only once the wrapped file opens again is the plain one removed; a wrapped file that does not is no use to keep.
    let back: string;
    try {
      back = (await unwrapFile()).text;
    } catch (error) {
      rmSync(wrappedPath, { force: true });
      throw error;
    }
    if (back.toLowerCase() !== text) {
      rmSync(wrappedPath, { force: true });
      throw new Error(
        `${wrapper.name} did not give back the key just wrapped; ${migrating ? `${plainPath} was kept` : 'nothing was stored with it'}.`,
      );
    }
    if (migrating) {
      rmSync(plainPath);
      log?.info(`secrets key: moved into ${wrapper.name}`, { from: plainPath, to: wrappedPath });
    }
    return { key };
  };
}
