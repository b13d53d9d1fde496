/**
 * `server` and `serve`: `--allowed-origin URL` and `--allowed-host NAME` (repeatable, issue #12),
 * for a console reached through a proxy. Without them only the server's own origins and names are
 * accepted (server/http/browser-gate.ts).
 */
import { InvalidArgumentError, Option } from 'commander';

export type BrowserCliOptions = Readonly<{ allowedOrigin?: string[]; allowedHost?: string[] }>;

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** `https://console.example.com[:port]` → its origin; anything with a path, a query or another scheme is refused. */
export function parseOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected an origin such as https://console.example.com, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError(`expected an http or https origin, got ${JSON.stringify(value)}`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    throw new InvalidArgumentError(`an origin is scheme, host and port only (no path, query or user), e.g. ${url.origin}`);
  }
  return url.origin;
}

export function parseHostName(value: string): string {
  const name = value
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (HOST_NAME.test(name) || /^[0-9a-f:.]+$/i.test(name)) return name.replace(/\.$/, '');
  throw new InvalidArgumentError(
    `expected a host name or address such as console.example.com (no scheme or port), got ${JSON.stringify(value)}`,
  );
}

const collect = (parse: (v: string) => string) => (value: string, previous: string[] | undefined) => [...(previous ?? []), parse(value)];

export const allowedOriginOption = (): Option =>
  new Option(
    '--allowed-origin <url>',
    "another origin whose pages may use the console, e.g. a TLS proxy's https://console.example.com (repeatable; its host is allowed too)",
  ).argParser(collect(parseOrigin));

export const allowedHostOption = (): Option =>
  new Option(
    '--allowed-host <name>',
    "another name requests may carry in Host, e.g. a DNS name agents use (repeatable; default: the listen host, localhost, 127.0.0.1, ::1, this machine's hostname and addresses)",
  ).argParser(collect(parseHostName));

export function browserServerOptions(options: BrowserCliOptions): { allowedOrigins?: string[]; allowedHosts?: string[] } {
  return {
    ...(options.allowedOrigin?.length ? { allowedOrigins: options.allowedOrigin } : {}),
    ...(options.allowedHost?.length ? { allowedHosts: options.allowedHost } : {}),
  };
}
