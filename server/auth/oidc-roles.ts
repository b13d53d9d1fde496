/**
 * Claims to a role (issue #18): each mapping of oidc.json names a claim and a value (`groups`
 * holding `ops-admins` → admin). The highest role any mapping gives wins; among that role's
 * mappings the first one gives the scope, so an operator mapped twice gets a predictable scope and
 * never the union of two (an unscoped operator mapping listed first means no scope). No mapping: null,
 * and the sign-in is refused: a provider's account is not a console account by default.
 */
import { ROLE_RANK, type Role } from '../../protocol/teams.js';
import type { OidcRoleMapping } from './oidc-config.js';

export type MappedRole = Readonly<{ role: Role; scope: string | null; mapping: number }>;

function holds(claim: unknown, value: string): boolean {
  if (typeof claim === 'string') return claim === value;
  if (Array.isArray(claim)) return claim.some((c) => c === value);
  return false;
}

export function mapClaims(claims: Readonly<Record<string, unknown>>, mappings: readonly OidcRoleMapping[]): MappedRole | null {
  let best: MappedRole | null = null;
  for (const [i, m] of mappings.entries()) {
    if (!holds(claims[m.claim], m.value)) continue;
    if (best === null || ROLE_RANK[m.role] > ROLE_RANK[best.role]) best = { role: m.role, scope: m.scope ?? null, mapping: i };
  }
  return best;
}
