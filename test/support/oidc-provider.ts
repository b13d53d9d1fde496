/**
 * A real OpenID provider for tests (issue #18): `oidc-provider` on loopback, reached as
 * `localhost` so it is another site than a console on 127.0.0.1 (as a real provider is), with its
 * own login and consent pages (any password; the login names the account). Each account's
 * `groups` claim comes from `accounts`; its subject is `acct-LOGIN`.
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export type TestProvider = Readonly<{ issuer: string; close(): Promise<void> }>;

export async function startOidcProvider(
  options: Readonly<{ redirectUri: string; clientId: string; clientSecret: string; accounts: Readonly<Record<string, readonly string[]>> }>,
): Promise<TestProvider> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => ({ sub: `acct-${id}`, preferred_username: id, groups: [...(options.accounts[id] ?? [])] }),
    }),
    claims: { openid: ['sub'], profile: ['preferred_username'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'groups'],
    cookies: { keys: ['test-cookie-signing-key-5d1c'] },
    features: { devInteractions: { enabled: true } },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
