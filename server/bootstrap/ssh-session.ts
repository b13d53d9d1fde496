/**
 * One SSH connection (ssh2) with bounded timeouts: connect with a key file and/or the ssh-agent,
 * check the host key against known_hosts, run commands, move files over SFTP. Errors come out
 * as {@link BootstrapError}s with a code and a hint.
 */
import { readFileSync } from 'node:fs';
import { Client, type AnyAuthMethod, type ClientChannel, type SFTPWrapper } from 'ssh2';
import { BootstrapError, classifyConnectError } from './failures.js';
import { checkHostKey, type HostKeyCheck, type HostKeyPolicy } from './known-hosts.js';

export type SshAuth = Readonly<{
  /** Private key files to offer, in order (OpenSSH or PEM, without passphrase). */
  keyFiles: readonly string[];
  /** ssh-agent socket (SSH_AUTH_SOCK) to offer after the key files. */
  agentSocket?: string;
}>;

export type SshEndpoint = Readonly<{ host: string; port: number; username: string }>;

export type HostKeys = Readonly<{ file: string; policy: HostKeyPolicy }>;

export type ExecResult = Readonly<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;

export type SshSession = Readonly<{
  hostKey: HostKeyCheck;
  /** Runs `command` through the login shell; never rejects on a non-zero exit, only on timeout or a broken connection. */
  exec(command: string, options?: { timeoutMs?: number; pty?: boolean; onData?: (text: string) => void }): Promise<ExecResult>;
  /** Uploads a local file to `remote` with `mode`. */
  put(local: string, remote: string, mode: number, timeoutMs?: number): Promise<void>;
  /** Writes `content` to `remote` with `mode`. */
  write(remote: string, content: string, mode: number, timeoutMs?: number): Promise<void>;
  /** Downloads `remote` to `local`. */
  get(remote: string, local: string, timeoutMs?: number): Promise<void>;
  /** Renames over an existing file (posix-rename@openssh.com, else `mv -f`). */
  rename(from: string, to: string, timeoutMs?: number): Promise<void>;
  close(): void;
}>;

const DEFAULT_STEP_MS = 60_000;
/** SFTP status 3: SSH_FX_PERMISSION_DENIED. */
const SFTP_PERMISSION_DENIED = 3;

function withTimeout<T>(what: string, ms: number, run: (done: (error: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new BootstrapError('timeout', `${what} did not finish within ${Math.round(ms / 1000)} s`));
    }, ms);
    run((error, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error instanceof BootstrapError ? error : sftpError(error, what));
      else resolve(value as T);
    });
  });
}

function sftpError(error: unknown, what: string): BootstrapError {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (e?.code === SFTP_PERMISSION_DENIED || /permission denied/i.test(message))
    return new BootstrapError('permission-denied', `${what}: permission denied`);
  return new BootstrapError('internal', `${what}: ${message}`);
}

function authMethods(endpoint: SshEndpoint, auth: SshAuth): AnyAuthMethod[] {
  const methods: AnyAuthMethod[] = [];
  for (const file of auth.keyFiles) {
    let key: Buffer;
    try {
      key = readFileSync(file);
    } catch (error) {
      throw new BootstrapError(
        'bad-input',
        `cannot read the private key ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        'Pass a readable private key file, or use the ssh-agent.',
      );
    }
    methods.push({ type: 'publickey', username: endpoint.username, key });
  }
  if (auth.agentSocket) methods.push({ type: 'agent', username: endpoint.username, agent: auth.agentSocket });
  if (methods.length === 0)
    throw new BootstrapError(
      'bad-input',
      'no SSH key file and no ssh-agent (SSH_AUTH_SOCK) to authenticate with',
      'Pass a private key file (--key-file) or start an ssh-agent with your key loaded.',
    );
  return methods;
}

/** Connects and authenticates; rejects with a classified {@link BootstrapError}. */
export function openSession(endpoint: SshEndpoint, auth: SshAuth, hostKeys: HostKeys, timeoutMs = 20_000): Promise<SshSession> {
  const where = `${endpoint.host}:${endpoint.port}`;
  const methods = authMethods(endpoint, auth);
  const client = new Client();
  let hostKey: HostKeyCheck | null = null;
  let hostKeyError: BootstrapError | null = null;
  return new Promise<SshSession>((resolve, reject) => {
    let settled = false;
    const finish = (error: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        client.end();
        reject(hostKeyError ?? classifyConnectError(error, where));
      } else resolve(session(client, hostKey as HostKeyCheck));
    };
    // readyTimeout covers the handshake only; this covers DNS and TCP connect as well.
    const timer = setTimeout(
      () => finish(Object.assign(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' })),
      timeoutMs + 1000,
    );
    client.once('ready', () => finish(null));
    client.once('error', (error) => finish(error));
    client.once('close', () => finish(new Error('connection closed during the handshake')));
    client.connect({
      host: endpoint.host,
      port: endpoint.port,
      username: endpoint.username,
      readyTimeout: timeoutMs,
      keepaliveInterval: 15_000,
      keepaliveCountMax: 4,
      authHandler: methods,
      hostVerifier: (key: Buffer) => {
        const check = checkHostKey(hostKeys.file, endpoint.host, endpoint.port, key, hostKeys.policy);
        hostKey = check;
        if (check.verdict === 'changed') {
          hostKeyError = new BootstrapError(
            'host-key-changed',
            `the host key of ${where} changed: it is now ${check.keyType} ${check.fingerprint}, which ${hostKeys.file} does not have`,
          );
          return false;
        }
        if (check.verdict === 'unknown') {
          hostKeyError = new BootstrapError(
            'host-key-unknown',
            `${where} is not in ${hostKeys.file} (its key: ${check.keyType} ${check.fingerprint})`,
          );
          return false;
        }
        return true;
      },
    });
  });
}

function session(client: Client, hostKey: HostKeyCheck): SshSession {
  let sftpPromise: Promise<SFTPWrapper> | null = null;
  const sftp = () =>
    (sftpPromise ??= withTimeout<SFTPWrapper>('opening SFTP', DEFAULT_STEP_MS, (done) => client.sftp((error, s) => done(error, s))));

  const exec: SshSession['exec'] = (command, options = {}) =>
    new Promise<ExecResult>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? DEFAULT_STEP_MS;
      let channel: ClientChannel | null = null;
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => {
        channel?.close();
        reject(
          new BootstrapError(
            'timeout',
            `\`${command.length > 80 ? command.slice(0, 77) + '...' : command}\` did not finish within ${Math.round(timeoutMs / 1000)} s`,
          ),
        );
      }, timeoutMs);
      client.exec(command, options.pty ? { pty: true } : {}, (error, ch) => {
        if (error) {
          clearTimeout(timer);
          reject(new BootstrapError('internal', `cannot run a command: ${error.message}`));
          return;
        }
        channel = ch;
        ch.on('data', (d: Buffer) => {
          const text = d.toString();
          stdout += text;
          options.onData?.(text);
        });
        ch.stderr.on('data', (d: Buffer) => {
          const text = d.toString();
          stderr += text;
          options.onData?.(text);
        });
        ch.on('close', (code: number | null, signal: string | null) => {
          clearTimeout(timer);
          resolve({ code: code ?? null, signal: signal ?? null, stdout, stderr });
        });
      });
    });

  return {
    hostKey,
    exec,
    async put(local, remote, mode, timeoutMs = 5 * DEFAULT_STEP_MS) {
      const s = await sftp();
      await withTimeout<void>(`uploading ${remote}`, timeoutMs, (done) => s.fastPut(local, remote, { mode }, (error) => done(error)));
    },
    async write(remote, content, mode, timeoutMs = DEFAULT_STEP_MS) {
      const s = await sftp();
      await withTimeout<void>(`writing ${remote}`, timeoutMs, (done) => s.writeFile(remote, content, { mode }, (error) => done(error)));
      // writeFile's mode only applies when the file is created.
      await withTimeout<void>(`chmod ${remote}`, timeoutMs, (done) => s.chmod(remote, mode, (error) => done(error)));
    },
    async get(remote, local, timeoutMs = 5 * DEFAULT_STEP_MS) {
      const s = await sftp();
      await withTimeout<void>(`downloading ${remote}`, timeoutMs, (done) => s.fastGet(remote, local, (error) => done(error)));
    },
    async rename(from, to, timeoutMs = DEFAULT_STEP_MS) {
      const s = await sftp();
      try {
        await withTimeout<void>(`renaming ${from}`, timeoutMs, (done) => s.ext_openssh_rename(from, to, (error) => done(error)));
      } catch (error) {
        if (error instanceof BootstrapError && error.code !== 'internal') throw error;
        const r = await exec(`mv -f ${shellQuote(from)} ${shellQuote(to)}`, { timeoutMs });
        if (r.code !== 0)
          throw new BootstrapError(
            /permission denied/i.test(r.stderr) ? 'permission-denied' : 'internal',
            `renaming ${from} to ${to}: ${r.stderr.trim() || `exit ${r.code}`}`,
          );
      }
    },
    close() {
      client.end();
    },
  };
}

/** `text` as one POSIX shell word. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
