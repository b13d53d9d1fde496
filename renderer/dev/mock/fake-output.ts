/**
 * What a fake agent "prints" for a job. Recognised RUN commands (after options):
 * `echo …`, `hostname`, `spam N` (N lines, streamed), `sleep N`, `fail`/`false`/`exit N`,
 * `flaky` (fails on every other host); anything else prints a short plausible transcript.
 */
export type FakeResult = Readonly<{
  /** Output chunks in order, each after `delayMs`. */
  chunks: ReadonlyArray<{ stream: 'stdout' | 'stderr'; data: string; delayMs: number }>;
  ok: boolean;
  exitCode: number;
  info: string;
}>;

const VALUE_OPTIONS = new Set([
  '--retry',
  '--timeout',
  '--stdout-arg',
  '--stderr-arg',
  '--chown',
  '--chmod',
  '--state',
  '--exclude',
  '--action',
  '--seconds',
  '--retry-wait',
]);

export function stripOptions(text: string): string {
  const tokens = text.trim().split(/\s+/);
  let i = 0;
  while (i < tokens.length && tokens[i]?.startsWith('--')) {
    const t = tokens[i] as string;
    i += VALUE_OPTIONS.has(t) ? 2 : 1;
  }
  return tokens.slice(i).join(' ');
}

function lines(n: number, host: string, perChunk = 250): FakeResult['chunks'] {
  const out: { stream: 'stdout' | 'stderr'; data: string; delayMs: number }[] = [];
  for (let start = 0; start < n; start += perChunk) {
    const end = Math.min(n, start + perChunk);
    let data = '';
    for (let i = start; i < end; i++)
      data += i % 97 === 96 ? '' : `[${host}] line ${i + 1} of ${n}: processing item ${(i * 7919) % 100003}\n`;
    out.push({ stream: 'stdout', data, delayMs: 40 });
    if (start % 2000 === 1750) out.push({ stream: 'stderr', data: `[${host}] warning: slow batch at line ${end}\n`, delayMs: 5 });
  }
  return out;
}

export function fakeRun(verb: string, text: string, host: string, hostIndex: number): FakeResult {
  const command = stripOptions(text);
  const word = command.split(/\s+/)[0] ?? '';
  if (verb !== 'RUN' && verb !== 'ECHO') return fakeOther(verb, command, host);
  if (verb === 'ECHO') return { chunks: [{ stream: 'stdout', data: `${command}\n`, delayMs: 30 }], ok: true, exitCode: 0, info: command };
  if (word === 'echo')
    return { chunks: [{ stream: 'stdout', data: `${command.slice(5)}\n`, delayMs: 60 }], ok: true, exitCode: 0, info: command };
  if (word === 'hostname') return { chunks: [{ stream: 'stdout', data: `${host}\n`, delayMs: 60 }], ok: true, exitCode: 0, info: command };
  if (word === 'spam') {
    const n = Math.max(1, Math.min(200_000, Number.parseInt(command.split(/\s+/)[1] ?? '1000', 10) || 1000));
    return { chunks: lines(n, host), ok: true, exitCode: 0, info: command };
  }
  if (word === 'sleep') {
    const s = Math.min(600, Number.parseFloat(command.split(/\s+/)[1] ?? '1') || 1);
    return { chunks: [{ stream: 'stdout', data: '', delayMs: s * 1000 }], ok: true, exitCode: 0, info: command };
  }
  const failing = word === 'fail' || word === 'false' || word === 'exit' || (word === 'flaky' && hostIndex % 2 === 1);
  if (failing) {
    const code = word === 'exit' ? Number.parseInt(command.split(/\s+/)[1] ?? '1', 10) || 1 : 1;
    return {
      chunks: [
        { stream: 'stdout', data: `running ${command} on ${host}\n`, delayMs: 50 },
        { stream: 'stderr', data: `${host}: ${command}: command failed with exit code ${code}\n`, delayMs: 80 },
      ],
      ok: false,
      exitCode: code,
      info: command,
    };
  }
  return {
    chunks: [
      { stream: 'stdout', data: `$ ${command}\n`, delayMs: 40 },
      { stream: 'stdout', data: `${host}: done (${(hostIndex % 3) + 1} changes)\n`, delayMs: 120 },
    ],
    ok: true,
    exitCode: 0,
    info: command,
  };
}

function fakeOther(verb: string, command: string, host: string): FakeResult {
  const say = (data: string): FakeResult => ({
    chunks: [{ stream: 'stdout', data, delayMs: 50 }],
    ok: true,
    exitCode: 0,
    info: `${verb} ${command}`,
  });
  switch (verb) {
    case 'ARG':
      return say('args added to cache\n');
    case 'ENV':
      return say('envs added to cache\n');
    case 'WORKDIR':
      return say(`Directory ${command} OK\n`);
    case 'ADD':
    case 'COPY':
      return say(`${host}: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15\n`);
    case 'DNF':
      return say(`=== dnf install ===\nInstalled: ${command}\n`);
    case 'SERVICE':
      return say(`=== systemctl start ${command} ===\n`);
    case 'QUERY':
      return say(`{"${command}": null}\n`);
    default:
      return say('');
  }
}
