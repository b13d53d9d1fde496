/** The server's version, from package.json (bundlers inline it). */
import pkg from '../package.json' with { type: 'json' };

export const SERVER_VERSION: string = pkg.version;
