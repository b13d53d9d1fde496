/**
 * A real OpenSSH server for tests: `/usr/sbin/sshd -D -e -f <temp config>` on a free loopback
 * port, with a temporary host key and a temporary client key in a temporary authorized_keys.
 * It runs as the current user (root here and in CI, hence `PermitRootLogin prohibit-password`).
 * If sshd cannot start, `startSshd` throws with sshd's stderr: a test must fail, never skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { textOn } from '../support/wait.js';

export const SSHD = '/usr/sbin/sshd';

export type SshdFixture = Readonly<{
  host: '127.0.0.1';
  port: number;
  user: string;
  /** Private key whose public half is in authorized_keys. */
  clientKey: string;
  /** A second private key that is NOT authorized (the "wrong key" case). */
  wrongKey: string;
  /** The server's public host key line (`ssh-ed25519 AAAA…`). */
  hostKeyLine: string;
  /** A host key that is not the server's (to write a known_hosts that must be refused). */
  otherHostKeyLine: string;
  dir: string;
  /** What sshd wrote to stderr so far (`-e`), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}>;

import { freePort } from '../support/ports.js';

export { freePort };

function keygen(path: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'directord-test', '-f', path], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (r.status !== 0) throw new Error(`ssh-keygen failed (${r.status}): ${r.stderr}`);
}

function pubLine(path: string): string {
  return readFileSync(`${path}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

export type SshdOptions = Readonly<{
  /**
   * PATH for every session (sshd_config `SetEnv`), to stand in for a host whose tools differ from
   * ours, e.g. one without `node`. The login shell's rc files may still add to it.
   */
  sessionPath?: string;
}>;

export async function startSshd(options: SshdOptions = {}): Promise<SshdFixture> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: install openssh-server (apt-get install -y openssh-server)`);
  const dir = mkdtempSync(join(tmpdir(), 'directord-sshd-'));
  const hostKey = join(dir, 'host_ed25519');
  const otherHostKey = join(dir, 'other_host_ed25519');
  const clientKey = join(dir, 'client_ed25519');
  const wrongKey = join(dir, 'wrong_ed25519');
  for (const key of [hostKey, otherHostKey, clientKey, wrongKey]) keygen(key);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`, 'utf8'), { mode: 0o600 });
  const user = userInfo().username;
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    // We run as root here and in CI; sshd started by a normal user can only log that user in.
    `PermitRootLogin ${user === 'root' ? 'prohibit-password' : 'no'}`,
    'AllowTcpForwarding no',
    'X11Forwarding no',
    'PrintMotd no',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    ...(options.sessionPath === undefined ? [] : [`SetEnv PATH=${options.sessionPath}`]),
    '',
  ].join('\n');
  const configPath = join(dir, 'sshd_config');
  writeFileSync(configPath, config);
  // As root sshd insists on its privilege-separation directory (Debian creates it in the unit file).
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  // Ready once it logs that it listens (driven by its stderr); fail with its words if it exits or stays silent.
  try {
    if (!child.stderr) throw new Error('sshd has no stderr pipe');
    await textOn(child.stderr, /Server listening on 127\.0\.0\.1 port/, 10_000, `sshd to listen on 127.0.0.1:${port}`, {
      child,
      seen: stderr,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    clientKey,
    wrongKey,
    hostKeyLine: pubLine(hostKey),
    otherHostKeyLine: pubLine(otherHostKey),
    dir,
    log: () => stderr,
    stop,
  };
}
