/**
 * What a bootstrapped agent authenticates with. Bootstrap asks an {@link EnrolmentIssuer} for a
 * fresh credential per host: an enrolment token (issue #5; the agent enrols with `--token`; what
 * the console and `directord bootstrap` use) or the server's agent key (accepted only over
 * loopback, so of use to tests and same-machine installs only).
 */
export type AgentCredential =
  Readonly<{ kind: 'token'; id?: string; token: string; expiresAt: number; fingerprint?: string }> | Readonly<{ kind: 'key'; key: string }>;

export type EnrolmentIssuer = Readonly<{
  /** A credential for one new agent named `identity`. */
  issue(identity: string): Promise<AgentCredential>;
  /** The install failed: make the unused credential worthless (best effort). */
  withdraw?(credential: AgentCredential): Promise<void>;
}>;

/** The shape of server/enrolment's `create` that bootstrap needs. */
export type TokenFactory = (request: {
  uses?: number;
  ttlMs?: number;
  note?: string;
  createdBy?: string;
}) => Promise<TokenCreated> | TokenCreated;
export type TokenCreated = Readonly<{ id?: string; token: string; expiresAt: number; fingerprint?: string }>;
/** Revokes a token by id (server/enrolment `revokeToken`, or `/ui enrolments:revoke`). */
export type TokenRevoker = (id: string) => Promise<unknown> | unknown;

/** One single-use token per host, valid long enough for a slow install. */
export function tokenIssuer(create: TokenFactory, revoke?: TokenRevoker, ttlMs = 30 * 60 * 1000): EnrolmentIssuer {
  return {
    async issue(identity) {
      const created = await create({ uses: 1, ttlMs, note: `ssh bootstrap of ${identity}`, createdBy: 'bootstrap' });
      return {
        kind: 'token',
        ...(created.id ? { id: created.id } : {}),
        token: created.token,
        expiresAt: created.expiresAt,
        ...(created.fingerprint ? { fingerprint: created.fingerprint } : {}),
      };
    },
    async withdraw(credential) {
      if (credential.kind !== 'token' || !credential.id || !revoke) return;
      try {
        await revoke(credential.id);
      } catch {
        // Best effort: the token is single use and expires on its own.
      }
    },
  };
}

/** Every agent gets the server's shared agent key (DATA_DIR/agent.key). */
export function sharedKeyIssuer(key: string): EnrolmentIssuer {
  return { issue: () => Promise.resolve({ kind: 'key', key }) };
}
