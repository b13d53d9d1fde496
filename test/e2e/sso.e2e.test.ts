/**
 * Single sign-on in real Chromium (issue #18): the console on 127.0.0.1, a real OpenID provider
 * (`oidc-provider`) on `localhost`, which Chromium treats as another site. The whole flow as a
 * user clicks it: /login's "Sign in with SSO", the provider's login and consent pages, back to
 * the callback through the browser gate (a cross-site top-level navigation), the SameSite=Strict
 * session cookie, and the console open as the mapped user. An account no mapping matches is
 * refused with the reason on the page.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { silentLogger } from '../../protocol/log.js';
import { createServer, type DirectordServer } from '../../server/index.js';
import { freePort } from '../support/ports.js';
import { startOidcProvider, type TestProvider } from '../support/oidc-provider.js';
import { openBrowserPage } from './browser.js';
import { ensureRendererBuilt, ROOT } from './build-renderer.js';

const SHOTS = join(ROOT, 'artifacts/screenshots');

describe('single sign-on e2e (real provider, Chromium)', { timeout: 180_000 }, () => {
  let server: DirectordServer;
  let provider: TestProvider;
  let dataDir: string;
  const browsers: Browser[] = [];
  const errors: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await ensureRendererBuilt();
    dataDir = mkdtempSync(join(tmpdir(), 'directord-sso-e2e-'));
    const port = await freePort();
    const redirect = `http://127.0.0.1:${port}/auth/oidc/callback`;
    provider = await startOidcProvider({
      redirectUri: redirect,
      clientId: 'directord',
      clientSecret: 'e2e-client-secret-81f2',
      accounts: { ada: ['ops-admins'], eve: ['marketing'] },
    });
    writeFileSync(join(dataDir, 'oidc.secret'), 'e2e-client-secret-81f2\n', { mode: 0o600 });
    writeFileSync(
      join(dataDir, 'oidc.json'),
      JSON.stringify({
        issuer: provider.issuer,
        clientId: 'directord',
        clientSecretFile: 'oidc.secret',
        redirectUrl: redirect,
        scopes: ['openid', 'profile', 'groups'],
        roles: [{ claim: 'groups', value: 'ops-admins', role: 'admin' }],
      }),
    );
    // DATA_DIR/oidc.json is found without --oidc-config.
    server = await createServer({ dataDir, port, log: silentLogger, staticDir: join(ROOT, 'renderer/dist') });
  });

  after(async () => {
    for (const b of browsers) await b.close();
    await server?.close();
    await provider?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function throughProvider(login: string): Promise<Page> {
    const { browser, page } = await openBrowserPage(errors);
    browsers.push(browser);
    await page.goto(`${server.url}/login`);
    await page.getByRole('link', { name: 'Sign in with SSO' }).click();
    await page.waitForURL((u) => u.origin === provider.issuer);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    return page;
  }

  test('an admin by group signs in through the provider and lands in the console', async () => {
    const page = await throughProvider('ada');
    try {
      await page.getByRole('link', { name: /ada \(admin\)/ }).waitFor();
      await page.getByText('0 of 0 hosts online').waitFor();
    } catch (error) {
      await page.screenshot({ path: join(SHOTS, 'sso-signin-failed.png') });
      throw new Error(
        `${(error as Error).message}\nat ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 600)}\nerrors: ${errors.join('\n')}`,
      );
    }
    assert.equal(new URL(page.url()).origin, new URL(server.url).origin);
    const cookies = await page.context().cookies(server.url);
    const session = cookies.find((c) => c.name === 'directord_session');
    assert.ok(session?.httpOnly && session.sameSite === 'Strict', JSON.stringify(cookies));
    await page.screenshot({ path: join(SHOTS, 'sso-signed-in.png') });
  });

  test('an account with no mapped group is refused, with the reason on the page', async () => {
    const page = await throughProvider('eve');
    await page
      .getByRole('alert')
      .getByText(/eve: your account has no role in this console/)
      .waitFor();
    assert.equal(new URL(page.url()).pathname, '/auth/oidc/callback');
    assert.equal(
      (await page.context().cookies(server.url)).some((c) => c.name === 'directord_session'),
      false,
    );
  });
});
