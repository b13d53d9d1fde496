// electron-builder afterPack hook (electron-builder.yml): replaces the Node-ABI better-sqlite3 that
// was copied from node_modules into app.asar.unpacked with the Electron-ABI one `npm run dist`
// prepared (scripts/electron-native.mjs), after checking its ABI. It runs before the app is
// signed and wrapped into AppImage/deb/dmg/nsis. Without a prepared binary it fails the build:
// an app that cannot open its database must not be shipped.
// DIRECTORD_ELECTRON_NATIVE_DIR overrides where the binaries are (the packaging test uses it).
import { copyFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { assertElectronAbi, electronAbi, nodePlatform } from './electron-native.mjs';

const { Arch } = createRequire(import.meta.url)('builder-util');

/** Where better-sqlite3's binary sits in a packaged app's resources dir. */
export const UNPACKED_BINDING = ['app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'];

export default async function afterPack(context) {
  const platform = nodePlatform(context.electronPlatformName);
  const arch = Arch[context.arch];
  const electronVersion = context.packager.info.framework.version;
  const base = process.env.DIRECTORD_ELECTRON_NATIVE_DIR || join(context.packager.info.projectDir, 'dist', 'electron-native');
  const source = join(base, `${platform}-${arch}`, 'better_sqlite3.node');
  if (!existsSync(source)) {
    throw new Error(
      `${source} is missing: package with \`npm run dist\`, which builds better-sqlite3 for Electron ${electronVersion} ${platform}-${arch} first`,
    );
  }
  assertElectronAbi(source, electronVersion);
  const target = join(context.packager.getResourcesDir(context.appOutDir), ...UNPACKED_BINDING);
  if (!existsSync(target)) throw new Error(`${target} is missing: asarUnpack must cover better-sqlite3's .node file`);
  copyFileSync(source, target);
  assertElectronAbi(target, electronVersion);
  console.log(`  • better-sqlite3 for Electron ${electronVersion} (ABI ${electronAbi(electronVersion)}) ${platform}-${arch} → ${target}`);
}
