/** The console's session cookie (set by `/?token=…`, read by HTTP and the `/ui` handshake). */
export const TOKEN_COOKIE = 'directord_token';

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** `secure`: the server speaks TLS, so the browser must never send the cookie over plain HTTP. */
export function tokenCookie(token: string, secure = false): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}
