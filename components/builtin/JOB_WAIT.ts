import { Type } from '@sinclair/typebox';
import { ArgumentError, defineComponent } from '../define.js';
import { pyRepr } from '../template.js';
import { intField, stringArrayField, stringField } from './fields.js';

/** How often the server is asked for the job's states. */
export const JOB_WAIT_POLL_MS = 500;

const SHA = /^[0-9a-f]{56}$/;
const FAILED = new Set(['failed', 'timed-out', 'lost', 'cancelled']);

/**
 * JOB_WAIT (spec 4.16; broken in Directord HEAD, bug 9.10 fixed): succeed once the latest job with
 * JOB_SHA has succeeded on every --identity; fail as soon as it failed on one, or after
 * --job-timeout seconds. The states come from the server (`jobs:state`, states only), polled
 * every 500 ms. Both `--identity a b -- SHA` and Directord's `SHA --identity a b` are accepted.
 */
export const JOB_WAIT = defineComponent({
  verb: 'JOB_WAIT',
  summary: 'Wait until a job (by SHA) has succeeded on other targets.',
  description:
    'Waits until the latest job with JOB_SHA (see orchestrate --finger-print) has succeeded on every --identity, ' +
    'failing when it failed on one of them or after --job-timeout seconds.',
  args: Type.Object({
    identity: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        'x-argv': 'option',
        'x-metavar': 'IDENTITY',
        minItems: 1,
        title: 'Identities',
        description: 'Targets on which the job must have succeeded.',
      }),
    ),
    job_timeout: Type.Integer({
      'x-argv': 'option',
      'x-metavar': 'SECONDS',
      minimum: 1,
      default: 600,
      title: 'Wait at most (seconds)',
      description: 'Fail when the job has not succeeded everywhere after this many seconds.',
    }),
    job_sha: Type.Optional(
      Type.String({ 'x-argv': 'positional', 'x-metavar': 'JOB_SHA', title: 'Job SHA', description: 'SHA3-224 of the job to wait for.' }),
    ),
    more: Type.Optional(
      Type.String({
        'x-argv': 'rest',
        'x-metavar': '[--identity ID…]',
        title: 'More options',
        description: 'Options after JOB_SHA (Directord order).',
      }),
    ),
  }),
  cacheable: false,
  requiresLock: false,
  toJob({ identity, job_timeout, job_sha, more }) {
    const identities = [...(identity ?? [])];
    let sha = job_sha;
    let timeout = job_timeout;
    if (more !== undefined) {
      const words = more.trim().split(/\s+/);
      for (let i = 0; i < words.length; i++) {
        const word = words[i]!;
        if (word === '--identity') {
          while (i + 1 < words.length && !words[i + 1]!.startsWith('--')) identities.push(words[++i]!);
        } else if (word === '--job-timeout' || word.startsWith('--job-timeout=')) {
          const text = word.includes('=') ? word.slice(word.indexOf('=') + 1) : words[++i];
          if (!text || !/^\d+$/.test(text) || Number(text) < 1)
            throw new ArgumentError('JOB_WAIT: --job-timeout expects a whole number of seconds', 'job_timeout');
          timeout = Number(text);
        } else throw new ArgumentError(`JOB_WAIT: unexpected argument ${JSON.stringify(word)}`);
      }
    }
    if (sha === undefined && identities.length > 0 && SHA.test(identities.at(-1)!)) sha = identities.pop();
    if (sha === undefined || !SHA.test(sha))
      throw new ArgumentError(`JOB_WAIT: JOB_SHA must be a job SHA3-224 (56 hex digits), got ${JSON.stringify(sha ?? '')}`, 'job_sha');
    if (identities.length === 0) throw new ArgumentError('JOB_WAIT: --identity is required (the targets to wait for)', 'identity');
    return { job_sha: sha, identity: identities, job_timeout: timeout };
  },
  async run(ctx, fields) {
    const sha = stringField(fields, 'job_sha');
    const identities = stringArrayField(fields, 'identity');
    const timeout = intField(fields, 'job_timeout', 600);
    if (!ctx.jobStates) {
      ctx.write('stderr', 'JOB_WAIT: this agent cannot ask the server for job states\n');
      return { ok: false, info: 'no server link' };
    }
    const started = Date.now();
    let slept = 0;
    let pending = identities;
    for (;;) {
      const states = await ctx.jobStates(sha, identities);
      const failed = identities.filter((id) => FAILED.has(states[id] ?? ''));
      if (failed.length) {
        const message = `Job ${sha} did not succeed on ${pyRepr(failed)}: ${failed.map((id) => `${id} ${states[id]}`).join(', ')}`;
        ctx.write('stderr', `${message}\n`);
        return { ok: false, info: message };
      }
      pending = identities.filter((id) => states[id] !== 'succeeded');
      if (pending.length === 0) {
        ctx.write('stdout', `Job ${sha} succeeded on ${pyRepr(identities)}\n`);
        return { ok: true, info: `Job ${sha} succeeded on every identity` };
      }
      const elapsed = Math.max(Date.now() - started, slept);
      if (elapsed >= timeout * 1000) break;
      const pause = Math.min(JOB_WAIT_POLL_MS, timeout * 1000 - elapsed);
      await ctx.sleep(pause);
      slept += pause;
    }
    const message = `Timeout after ${timeout} seconds waiting for job ${sha} on ${pyRepr(pending)}`;
    ctx.write('stderr', `${message}\n`);
    return { ok: false, info: message };
  },
});
