import assert from 'node:assert/strict';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../../protocol/log.js';
import { ForkServerPool } from './fork-pool.js';
import { MarkerSplitter, partialMarkerSuffix } from './marker-splitter.js';
import { defaultJobShell } from './index.js';
import { jobCommand, subshellSafe, wrapsAsFunction } from './shell.js';
import { createSpawnExecutor } from './spawn.js';
import { JobAbort } from '../jobs/abort.js';
import type { ExecRequest, Executor } from './types.js';
import { eventually } from '../../test/support/wait.js';

type Captured = { stdout: string; stderr: string; events: string[] };

async function run(executor: Executor, command: string, extra: Partial<ExecRequest> = {}) {
  const cap: Captured = { stdout: '', stderr: '', events: [] };
  const outcome = await executor.run({
    command,
    env: {},
    onStdout: (t) => {
      cap.stdout += t;
      cap.events.push(`out:${t}`);
    },
    onStderr: (t) => {
      cap.stderr += t;
      cap.events.push(`err:${t}`);
    },
    ...extra,
  });
  return { ...outcome, ...cap };
}

/** Processes whose command line contains `needle` (read from /proc). */
function processesMatching(needle: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1').replaceAll('\0', ' ');
      if (cmdline.includes(needle)) found.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

const dir = mkdtempSync(join(tmpdir(), 'dd-exec-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const executors: Array<[string, () => Executor]> = [
  ['fork-server', () => new ForkServerPool({ log: silentLogger, idleMs: 200 })],
  ['fork-server (subshell jobs)', () => new ForkServerPool({ log: silentLogger, idleMs: 200, jobShell: 'subshell' })],
  ['spawn', () => createSpawnExecutor()],
];

for (const [name, make] of executors) {
  describe(`${name} executor`, { timeout: 30_000 }, () => {
    const executor = make();
    after(() => executor.close());

    test('separates stdout and stderr, keeps order per stream', async () => {
      const r = await run(executor, 'echo one; echo two >&2; echo three; printf four >&2');
      assert.equal(r.exitCode, 0);
      assert.equal(r.stdout, 'one\nthree\n');
      assert.equal(r.stderr, 'two\nfour');
    });

    test('reports exit codes', async () => {
      assert.equal((await run(executor, 'exit 3')).exitCode, 3);
      assert.equal((await run(executor, 'false')).exitCode, 1);
      assert.equal((await run(executor, 'true')).exitCode, 0);
    });

    test('passes env (quoted safely) and refuses bad names', async () => {
      const r = await run(executor, 'printf "%s|%s" "$GREETING" "$ODD"', { env: { GREETING: "it's $HOME `x`", ODD: 'a\nb' } });
      assert.equal(r.stdout, "it's $HOME `x`|a\nb");
      await assert.rejects(run(executor, 'true', { env: { 'BAD-NAME': 'x' } }), /invalid environment variable name/);
      const after = await run(executor, 'echo still fine');
      assert.equal(after.stdout, 'still fine\n');
    });

    test('runs in cwd; a missing cwd fails the command', async () => {
      assert.equal((await run(executor, 'pwd', { cwd: dir })).stdout.trim(), dir);
      const missing = await run(executor, 'pwd', { cwd: join(dir, 'nope') });
      assert.notEqual(missing.exitCode, 0);
      assert.match(missing.stderr, /can't cd|No such file/);
    });

    test('output without a trailing newline and large output arrive whole', async () => {
      assert.equal((await run(executor, 'printf no-newline')).stdout, 'no-newline');
      const big = await run(
        executor,
        'i=0; while [ $i -lt 2000 ]; do echo "line $i abcdefghijklmnopqrstuvwxyz0123456789"; i=$((i+1)); done',
      );
      assert.equal(big.stdout.split('\n').length, 2001);
      assert.ok(big.stdout.endsWith('line 1999 abcdefghijklmnopqrstuvwxyz0123456789\n'));
    });

    test('stdin is /dev/null', async () => {
      const r = await run(executor, 'cat; echo done');
      assert.equal(r.stdout, 'done\n');
    });

    test('abort kills the whole process group, grandchildren included', async () => {
      const tag = name === 'spawn' ? '31.71' : name === 'fork-server' ? '31.72' : '31.73';
      const abort = new JobAbort();
      const started = Date.now();
      setTimeout(() => abort.abort('cancel'), 300);
      const r = await run(executor, `sh -c 'sleep ${tag} & sleep ${tag}'`, { abort });
      assert.equal(r.exitCode, null);
      assert.equal(r.signal, 'SIGKILL');
      assert.ok(Date.now() - started < 2000, 'returned promptly');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(processesMatching(`sleep ${tag}`), []);
      // The executor still works afterwards.
      assert.equal((await run(executor, 'echo again')).stdout, 'again\n');
    });

    test('UTF-8 split across chunks is decoded whole', async () => {
      const r = await run(executor, "printf '\\303'; sleep 0.05; printf '\\251t\\303\\251\\n'");
      assert.equal(r.stdout, 'été\n');
    });
  });
}

/**
 * Subshell jobs must read exactly as `/bin/sh -c` jobs: the same stdout, stderr (messages and
 * line numbers included) and exit status, whether the script runs as a function in a forked
 * subshell or falls back to `sh -c` (syntax errors, `$$`, a `}` that could end the function).
 */
const SCRIPTS = [
  'echo hello world',
  'no_such_command_here',
  'true\nno_such_command_here\necho after $?',
  'if',
  'echo "unterminated',
  'echo one; exit 7; echo two',
  'set -e; false; echo not reached',
  'echo "$0" "$#" "$@"',
  'trap "echo bye" EXIT; echo hi',
  'cd / && pwd',
  'x=1; echo ${x} ${unset:-default} "${x}"',
  "printf '%s\\n' '{}' '}' \"{ }\"",
  'f() { echo in f; }; f',
  '{ echo a; echo b >&2; } | cat',
  'return 3; echo after',
  'local x=1; echo $x',
  'readonly R=1; R=2',
  'shift',
  'exec echo replaced; echo not reached',
  'sleep 0.05 & wait; echo waited',
  'umask 077; umask',
  'echo $$ | grep -q "^[0-9][0-9]*$" && echo pid',
  'echo a \\\n b',
  'cat <<EOF\n}\nEOF',
  'echo "$GREETING"',
  'set | grep -c __directord_script',
  // Large, but under the 128 KiB a single exec argument may hold (a larger one: see below).
  `x=0\n${'x=$((x+1))\n'.repeat(10_000)}echo $x`,
];

describe('subshell jobs read as sh -c jobs', { timeout: 30_000 }, () => {
  const exec = new ForkServerPool({ log: silentLogger, jobShell: 'exec' });
  const subshell = new ForkServerPool({ log: silentLogger, jobShell: 'subshell' });
  after(async () => {
    await exec.close();
    await subshell.close();
  });
  for (const script of SCRIPTS) {
    test(JSON.stringify(script.length > 200 ? `${script.slice(0, 40)}… (${script.length} characters)` : script), async () => {
      const env = { GREETING: "it's me" };
      const a = await run(exec, script, { env });
      const b = await run(subshell, script, { env });
      assert.deepEqual(
        { exitCode: b.exitCode, stdout: b.stdout, stderr: b.stderr },
        { exitCode: a.exitCode, stdout: a.stdout, stderr: a.stderr },
      );
    });
  }

  test('most scripts do run in a subshell (the comparison is not between two sh -c runs)', () => {
    const forked = SCRIPTS.filter((s) => jobCommand(s, {}, 'subshell').startsWith('('));
    assert.ok(forked.length >= 15, `only ${forked.length} of ${SCRIPTS.length} ran in a subshell`);
    assert.ok(forked.includes('echo hello world') && forked.includes('if') && forked.includes('no_such_command_here'));
  });

  test('a subshell job runs in a fork of the long-lived shell, not a new sh', async () => {
    const pool = new ForkServerPool({ log: silentLogger, jobShell: 'subshell' });
    try {
      // The command line of the shell running the job (the parent of `cut`): a forked subshell
      // keeps the fork server's, `sh -c` shows the script.
      const r = await run(pool, `tr '\\0' ' ' < /proc/$(cut -d' ' -f4 /proc/self/stat)/cmdline`);
      assert.equal(r.stdout.trim(), '/bin/sh');
    } finally {
      await pool.close();
    }
  });

  test('a script larger than one exec argument may be still runs in a subshell (sh -c refuses it)', async () => {
    const script = `x=0\n${'x=$((x+1))\n'.repeat(20_000)}echo $x`;
    assert.ok(Buffer.byteLength(script) > 128 * 1024);
    const viaExec = await run(exec, script);
    assert.equal(viaExec.exitCode, 126);
    assert.match(viaExec.stderr, /Argument list too long/);
    const forked = await run(subshell, script);
    assert.deepEqual({ exitCode: forked.exitCode, stdout: forked.stdout }, { exitCode: 0, stdout: '20000\n' });
  });

  test('which scripts run as a function', () => {
    const safe: Array<[string, boolean]> = [
      ['echo hello world', true],
      ['echo ${HOME} "}" \'{}\' a}b {}', true],
      ['ls /usr/local/bin', true],
      ['echo \\}', true],
      ['echo $$', false],
      ['kill $PPID', false],
      ['echo $-', false],
      ['local x=1', false],
      ['true; }; echo escaped; {', false],
      ['{ a; }', false],
      ['echo "open', false],
      ["echo 'open", false],
      ['echo ${open', false],
    ];
    for (const [script, expected] of safe) assert.equal(subshellSafe(script), expected, script);
    assert.equal(wrapsAsFunction('echo $$'), true, 'the text itself wraps; $$ alone sends it to sh -c');
  });

  test('subshell jobs where /bin/sh is dash, sh -c elsewhere', () => {
    assert.equal(defaultJobShell('/bin/bash'), 'exec');
    assert.equal(defaultJobShell('/no/such/shell'), 'exec');
    assert.equal(defaultJobShell('/bin/dash'), 'subshell');
  });
});

describe('fork-server pool', { timeout: 30_000 }, () => {
  test('a job that kills its own shell fails clearly, and the pool recovers', async () => {
    const pool = new ForkServerPool({ log: silentLogger });
    try {
      await assert.rejects(run(pool, 'kill -9 $PPID; sleep 5'), /fork-server shell died/);
      assert.equal((await run(pool, 'echo recovered')).stdout, 'recovered\n');
    } finally {
      await pool.close();
    }
  });

  test('output a background leftover writes after its job ended is not given to the next job', async () => {
    const pool = new ForkServerPool({ log: silentLogger });
    try {
      const first = await run(pool, '(sleep 0.3; echo late) & echo first');
      assert.equal(first.stdout, 'first\n');
      await new Promise((resolve) => setTimeout(resolve, 600));
      const second = await run(pool, 'echo second');
      assert.equal(second.stdout, 'second\n');
    } finally {
      await pool.close();
    }
  });

  test('concurrent jobs get their own shells; idle extras are retired', async () => {
    const pool = new ForkServerPool({ log: silentLogger, idleMs: 500 });
    try {
      // Concurrency by a barrier, not a stopwatch: each job marks itself and waits for all three marks;
      // jobs run one at a time would leave the first waiting alone (it gives up and says so).
      const barrier = mkdtempSync(join(tmpdir(), 'dd-barrier-'));
      const job = (i: number) =>
        `: > ${barrier}/m${i}; n=0; while [ $n -lt 400 ]; do [ -e ${barrier}/m1 ] && [ -e ${barrier}/m2 ] && [ -e ${barrier}/m3 ] && { echo job${i}; exit 0; }; sleep 0.05; n=$((n+1)); done; echo alone${i}`;
      try {
        const results = await Promise.all([1, 2, 3].map((i) => run(pool, job(i))));
        assert.deepEqual(
          results.map((r) => r.stdout),
          ['job1\n', 'job2\n', 'job3\n'],
          'ran concurrently',
        );
      } finally {
        rmSync(barrier, { recursive: true, force: true });
      }
      assert.equal(pool.size, 3);
      await eventually('the idle extra shells to be retired', () => (pool.size === 1 ? true : undefined), 10_000);
    } finally {
      await pool.close();
    }
  });
});

describe('marker splitter', () => {
  const prefix = Buffer.from('\x1eEND:abc:');
  function collect(chunks: string[]) {
    const parts: string[] = [];
    const trailers: string[] = [];
    const strays: string[] = [];
    const splitter = new MarkerSplitter({
      data: (b) => parts.push(b.toString()),
      end: (t) => trailers.push(t),
      stray: (b) => strays.push(b.toString()),
    });
    splitter.expect(prefix);
    for (const chunk of chunks) splitter.push(Buffer.from(chunk));
    return { parts, ended: trailers.length, trailers, strays };
  }

  test('finds a marker split across chunks, trailer included', () => {
    const r = collect(['hello\n\x1eEN', 'D:abc', ':1', '27\x1eafter']);
    assert.equal(r.parts.join(''), 'hello\n');
    assert.deepEqual(r.trailers, ['127']);
    assert.deepEqual(r.strays, ['after']);
  });

  test('an empty trailer ends the job too', () => {
    const r = collect(['err\n\x1eEND:abc:\x1e']);
    assert.deepEqual(r.parts, ['err\n']);
    assert.deepEqual(r.trailers, ['']);
  });

  test('delivers at once what cannot start a marker', () => {
    const r = collect(['hello\n']);
    assert.deepEqual(r.parts, ['hello\n']);
    assert.equal(r.ended, 0);
  });

  test('a false start is released as data', () => {
    const r = collect(['a\x1eEND:ab', 'x more', '\x1eEND:abc:1\x1e']);
    assert.equal(r.parts.join(''), 'a\x1eEND:abx more');
    assert.deepEqual(r.trailers, ['1']);
  });

  test('a prefix followed by a long run without the closing byte is data, not a marker', () => {
    const long = 'x'.repeat(100);
    const r = collect([`\x1eEND:abc:${long}`, 'tail', '\x1eEND:abc:0\x1e']);
    assert.equal(r.parts.join(''), `\x1eEND:abc:${long}tail`);
    assert.deepEqual(r.trailers, ['0']);
  });

  test('partial suffix is the longest one', () => {
    assert.equal(partialMarkerSuffix(Buffer.from('xx\x1eEND'), prefix), 4);
    assert.equal(partialMarkerSuffix(Buffer.from('xx'), prefix), 0);
    assert.equal(partialMarkerSuffix(Buffer.from('\x1e'), prefix), 1);
  });
});
