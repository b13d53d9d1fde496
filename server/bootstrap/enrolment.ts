/**
 * What a bootstrapped agent authenticates with. Bootstrap asks an {@link EnrolmentIssuer} for a
 * fresh credential per host: an enrolment token (issue #5; the agent enrols with `--token`) or,
 * where no issuer of tokens is wired, the server's agent key (accepted only over loopback once
 * enrolment is enforced; it is what the CLI falls back to with `--agent-key`).
 */
export type AgentCredential =
  | Readonly<{ kind: 'token'; token: string; expiresAt: number; fingerprint?: string }>
  | Readonly<{ kind: 'key'; key: string }>;

export type EnrolmentIssuer = Readonly<{
  /** A credential for one new agent named `identity`. */
  issue(identity: string): Promise<AgentCredential>;
}>;

/** The shape of server/enrolment's `create` that bootstrap needs. */
export type TokenFactory = (request: { uses?: number; ttlMs?: number; note?: string; createdBy?: string }) => Promise<TokenCreated> | TokenCreated;
export type TokenCreated = Readonly<{ token: string; expiresAt: number; fingerprint?: string }>;

/** One single-use token per host, valid long enough for a slow install. */
export function tokenIssuer(create: TokenFactory, ttlMs = 30 * 60 * 1000): EnrolmentIssuer {
  return {
    async issue(identity) {
      const created = await create({ uses: 1, ttlMs, note: `ssh bootstrap of ${identity}`, createdBy: 'bootstrap' });
      return { kind: 'token', token: created.token, expiresAt: created.expiresAt, ...(created.fingerprint ? { fingerprint: created.fingerprint } : {}) };
    },
  };
}

/** Every agent gets the server's shared agent key (DATA_DIR/agent.key). */
export function sharedKeyIssuer(key: string): EnrolmentIssuer {
  return { issue: () => Promise.resolve({ kind: 'key', key }) };
}
