/** Builds the ComponentContext a component's client part runs with. */
import type { ComponentContext, ExecOptions, ExecResult } from '../../components/define.js';
import type { DispatchedJob } from '../../protocol/jobs.js';
import { hostFiles } from './files.js';
import { CappedText, type JobOutput } from './output.js';
import type { JobDeps } from './types.js';

export function createContext(deps: JobDeps, job: DispatchedJob, signal: AbortSignal, output: JobOutput): ComponentContext {
  const exec = async (command: string, options: ExecOptions = {}): Promise<ExecResult> => {
    if (signal.aborted) return { exitCode: null, signal: 'SIGKILL', stdout: '', stderr: '' };
    const env = { ...deps.cache.getEnvs(), ...options.env };
    if (options.detach) {
      await deps.executor.detach({ command, env, cwd: options.cwd });
      return { exitCode: 0, signal: null, stdout: '', stderr: '' };
    }
    const stream = options.stream ?? true;
    const out = new CappedText(deps.outputCapBytes);
    const err = new CappedText(deps.outputCapBytes);
    const outcome = await deps.executor.run({
      command,
      env,
      cwd: options.cwd,
      signal,
      onStdout: (text) => {
        out.add(text);
        if (stream) output.write('stdout', text);
      },
      onStderr: (text) => {
        err.add(text);
        if (stream) output.write('stderr', text);
      },
    });
    return { exitCode: outcome.exitCode, signal: outcome.signal, stdout: out.text(), stderr: err.text() };
  };

  return {
    job,
    identity: deps.identity,
    signal,
    exec,
    write: (stream, text) => output.write(stream, text),
    render: (template) => deps.render(template, { ...deps.cache.getArgs(), ...(job.vars ?? {}) }),
    cache: deps.cache,
    files: hostFiles,
    sleep: (ms) => abortableSleep(ms, signal),
  };
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new Error(`aborted: ${String(signal.reason)}`));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error(`aborted: ${String(signal.reason)}`));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
