/** The small HTML pages the server itself renders (no console build needed). */
import type { AgentInfo } from '../../protocol/agents.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;color:#222}
code,pre{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px}table{border-collapse:collapse}td,th{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:left}
.on{color:#16803c}.off{color:#888}</style></head><body>${body}</body></html>
`;

export function unauthorizedPage(): string {
  return page(
    'Directord Console: sign-in link needed',
    `<h1>This console needs its access link</h1>
<p>The Directord server only shows the console to whoever holds its access token. The link with the token
(<code>http://HOST:PORT/?token=…</code>) is printed when the server starts:</p>
<pre>directord serve</pre>
<p>Open the URL it prints (or run <code>directord server</code> and use the <code>?token=</code> URL from its output).
The token is also stored in <code>ui.token</code> in the server's data directory.
After the first visit a cookie keeps you signed in.</p>
<p>Have a user account? <a href="/login">Sign in</a>.</p>`,
  );
}

export function notBuiltPage(agents: readonly AgentInfo[], version: string): string {
  const rows = agents
    .map(
      (a) =>
        `<tr><td>${escapeHtml(a.identity)}</td><td class="${a.online ? 'on' : 'off'}">${a.online ? 'online' : 'offline'}</td><td>${escapeHtml(a.facts.hostname ?? '')}</td><td>${escapeHtml(a.agentVersion)}</td></tr>`,
    )
    .join('');
  return page(
    'Directord Console',
    `<h1>Directord server ${escapeHtml(version)}</h1>
<p>The server is running, but the console UI is not built yet (build it with <code>npm run build</code>, or use the desktop app).
The command line works already: <code>directord exec</code>, <code>directord orchestrate</code>, <code>directord manage</code>.</p>
<h2>Agents (${agents.length})</h2>
${agents.length ? `<table><tr><th>Identity</th><th>State</th><th>Host</th><th>Version</th></tr>${rows}</table>` : '<p>No agent has connected yet. Start one with <code>directord agent</code>.</p>'}`,
  );
}
