/** The product version, from package.json (bundled into the CLI by esbuild). */
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
export const VERSION_LINE = `Directord Console ${VERSION}`;
