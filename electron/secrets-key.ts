/**
 * The desktop app's secrets key in the OS keychain (issue #18): Electron's safeStorage (Keychain
 * on macOS, DPAPI on Windows, libsecret/KWallet on Linux) wraps `DATA_DIR/secrets.key` as
 * `secrets.key.safe`; server/secrets/key-provider.ts does the files (migration of a plain key,
 * refusing a key that does not unwrap). This file only adapts safeStorage to its KeyWrapper, and
 * takes safeStorage as an argument so it is tested without the Electron binary.
 */
import type { SafeStorage } from 'electron';
import type { Logger } from '../protocol/log.js';
import { wrappedKeyProvider, type KeyWrapper } from '../server/public.js';

export type SafeStorageLike = Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

export function safeStorageWrapper(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform, log?: Logger): KeyWrapper {
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend?.() : undefined;
  return {
    name: `the OS keychain (Electron safeStorage${backend ? `, ${backend}` : ''})`,
    async available() {
      const available = await safeStorage.isAsyncEncryptionAvailable();
      // Linux without a keyring: safeStorage falls back to a key built into Chromium, which hides the file's bytes but protects nothing.
      if (available && backend === 'basic_text')
        log?.warn('secrets key: no keyring on this desktop; safeStorage uses its basic_text store, which only obscures the key');
      return available;
    },
    wrap: (plain) => safeStorage.encryptStringAsync(plain),
    async unwrap(wrapped) {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(wrapped);
      return { plain: result, stale: shouldReEncrypt };
    },
  };
}

/** The provider the desktop shell hands the server. */
export const desktopKeyProvider = (safeStorage: SafeStorageLike, log?: Logger): ReturnType<typeof wrappedKeyProvider> =>
  wrappedKeyProvider(safeStorageWrapper(safeStorage, process.platform, log), log);
