/**
 * Every command the CLI prints for the user to run works as printed (issue #12): each hint is taken
 * from the CLI's own output and run through `sh -c`, with `directord` on the PATH as `npm link`
 * puts it there, and without it (the hint is then `node /path/bin/directord.js …`, from any
 * directory). Uses bin/directord.js, so the build must be current (`npm test` builds first).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const temp = (what: string) => mkdtempSync(join(tmpdir(), `directord-hints-${what}-`));

const linkDir = temp('bin');
symlinkSync(join(ROOT, 'bin', 'directord.js'), join(linkDir, 'directord'));
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DIRECTORD_'))) as NodeJS.ProcessEnv;
const linked: NodeJS.ProcessEnv = { ...cleanEnv, PATH: `${linkDir}:${cleanEnv.PATH ?? ''}` };

type Ran = { code: number | null; stdout: string; stderr: string };
const started: ChildProcess[] = [];
const dirs: string[] = [linkDir];

/** `sh -c 'exec LINE'` (exec: the PID is the command's own, so it can be stopped by it). */
function shell(line: string, env: NodeJS.ProcessEnv, cwd = tmpdir()): ChildProcess {
  const child = spawn('sh', ['-c', `exec ${line}`], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  return child;
}

function ran(child: ChildProcess, timeoutMs = 60_000): Promise<Ran> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const run = (line: string, env: NodeJS.ProcessEnv) => ran(shell(line, env));

/** Starts LINE in the background until it prints `Directord Console: …`; returns that URL. */
async function background(line: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; link: string }> {
  const child = shell(line, env);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 60_000;
  while (!/Directord Console: \S+/.test(out) && Date.now() < deadline && child.exitCode === null) await sleep(50);
  const link = /Directord Console: (\S+)/.exec(out)?.[1];
  assert.ok(link, `${line} printed no console line:\n${out}\n${err}`);
  return { child, link };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([gone, sleep(30_000)]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** The one hint in `text` after `prefix` (up to the closing parenthesis or the end of the line). */
function hintAfter(text: string, prefix: RegExp): string {
  const m = new RegExp(`${prefix.source}(.+?)(?:\\)|; \\S+ prints|$)`, 'm').exec(text);
  assert.ok(m?.[1], `no hint after ${prefix} in:\n${text}`);
  return m[1].trim();
}

/** Polls `directord manage --list-nodes` until its output matches `pattern` (60 s at most). */
async function online(dataDir: string, pattern: RegExp): Promise<void> {
  let nodes: Ran = { code: 1, stdout: '', stderr: '' };
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(300)) {
    nodes = await run(`directord manage --list-nodes --data-dir ${dataDir}`, linked);
    if (nodes.code === 0 && pattern.test(nodes.stdout)) return;
  }
  assert.fail(`no node matching ${pattern} came online:\n${nodes.stdout}${nodes.stderr}`);
}

after(async () => {
  for (const child of started) await stop(child);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('every hint the CLI prints works as printed', { timeout: 240_000 }, () => {
  test('directord on the PATH (npm link): no server → the start hint; rotate; the new link; exec; the enrolment command', async () => {
    const dataDir = temp('data');
    dirs.push(dataDir);
    const missing = await run(`directord exec --verb RUN --poll 'echo hi' --data-dir ${dataDir}`, linked);
    assert.equal(missing.code, 1);
    const startHint = hintAfter(missing.stderr, /start one with: /);
    assert.equal(startHint, `directord serve --data-dir ${dataDir}`);

    // Rotating before any server ran: it says which command prints the link.
    const rotatedOffline = await run(`directord manage --rotate-console-token --data-dir ${dataDir}`, linked);
    assert.equal(rotatedOffline.code, 0, rotatedOffline.stderr);
    const printsLink = /No server is running for this data dir; (.+) prints the new link/.exec(rotatedOffline.stdout)?.[1];
    assert.equal(printsLink, startHint);

    const serve = await background(startHint, linked);
    try {
      const first = await fetch(serve.link, { redirect: 'manual' });
      assert.equal(first.status, 302);
      assert.match(first.headers.get('set-cookie') ?? '', /^directord_token=s1\./);

      await online(dataDir, /\S/);
      const exec = await run(`directord exec --data-dir ${dataDir} --verb RUN --poll 'echo hint-ok'`, linked);
      assert.equal(exec.code, 0, exec.stderr);

      const rotated = await run(`directord manage --rotate-console-token --data-dir ${dataDir}`, linked);
      assert.equal(rotated.code, 0, rotated.stderr);
      const newLink = /Directord Console: (\S+)/.exec(rotated.stdout)?.[1] ?? '';
      assert.notEqual(newLink, serve.link);
      assert.equal((await fetch(serve.link, { redirect: 'manual' })).status, 401, 'the old link opens nothing');
      const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      assert.equal((await fetch(new URL('/', serve.link), { headers: { cookie } })).status, 401, 'the old session ended');
      assert.equal((await fetch(newLink, { redirect: 'manual' })).status, 302, 'the new link works without a restart');

      const enrol = await run(`directord manage --create-enrolment --data-dir ${dataDir}`, linked);
      assert.equal(enrol.code, 0, enrol.stderr);
      const agentLine = /^ {2}(directord agent .+)$/m.exec(enrol.stdout)?.[1] ?? '';
      assert.match(agentLine, / --name NAME$/);
      const agentDir = temp('agent');
      dirs.push(agentDir);
      const agent = shell(agentLine.replace(/NAME$/, 'hint-host'), { ...linked, DIRECTORD_DATA_DIR: agentDir });
      try {
        await online(dataDir, /hint-host/);
      } finally {
        await stop(agent);
      }
    } finally {
      await stop(serve.child);
    }
  });

  test('without directord on the PATH the hint is node /path/bin/directord.js …, and it works from any directory', async () => {
    const dataDir = temp('data');
    dirs.push(dataDir);
    const missing = await run(`node ${join(ROOT, 'bin', 'directord.js')} manage --list-nodes --data-dir ${dataDir}`, cleanEnv);
    assert.equal(missing.code, 1);
    const startHint = hintAfter(missing.stderr, /start one with: /);
    assert.equal(startHint, `node ${join(ROOT, 'bin', 'directord.js')} serve --data-dir ${dataDir}`);
    const serve = await background(`${startHint} --no-agent`, cleanEnv);
    try {
      assert.equal((await fetch(serve.link, { redirect: 'manual' })).status, 302);
    } finally {
      await stop(serve.child);
    }
  });
});
