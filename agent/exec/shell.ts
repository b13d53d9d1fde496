/** Safe shell text for `/bin/sh`: single-quote quoting, env assignments and the job script. */
import { ExecError, type JobShell } from './types.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quotes a value for sh: `'...'` with every `'` written as `'\''`. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new ExecError('a NUL byte cannot be passed to the shell');
  return `'${value.replaceAll("'", "'\\''")}'`;
}

export function isEnvName(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** `K='v' K2='v2' ` prefix assignments; refuses names that are not shell identifiers. */
export function envAssignments(env: Readonly<Record<string, string>>): string {
  let out = '';
  for (const [name, value] of Object.entries(env)) {
    if (!isEnvName(name)) throw new ExecError(`invalid environment variable name: ${JSON.stringify(name)}`);
    out += `${name}=${shellQuote(String(value))} `;
  }
  return out;
}

/** Checks env for the spawn executor the same way the fork server does. */
export function checkEnv(env: Readonly<Record<string, string>>): void {
  envAssignments(env);
}

/** The script given to `sh -c`: the command, preceded by a `cd` when a cwd is requested. */
export function jobScript(command: string, cwd?: string): string {
  if (command.includes('\0')) throw new ExecError('a NUL byte cannot be passed to the shell');
  return cwd ? `cd -- ${shellQuote(cwd)} || exit 1\n${command}` : command;
}

/** The script reads the shell's own process ids (`$$`, `$PPID`) or its flags (`$-`), which differ in a subshell. */
const READS_SHELL_IDENTITY = /\$\{?[$-]|PPID/;
/** `local` works in a function but is an error at the top of `sh -c`. */
const USES_LOCAL = /(^|[^\w/.-])local($|[^\w/.-])/;
const WORD_DELIMITERS = ' \t\n;&|()<>';

/**
 * Whether `script`, wrapped as `NAME() { SCRIPT\n}`, parses as one function whose body is
 * exactly the script: false when a `}` could close the function early (an unquoted `}` word,
 * outside `${…}`) or when quoting looks unbalanced. Conservative: false sends the job to
 * `/bin/sh -c`, which is always right.
 */
export function wrapsAsFunction(script: string): boolean {
  let braces = 0; // open `${` expansions
  for (let i = 0; i < script.length; i++) {
    const c = script[i];
    if (c === '\\') {
      i += 1;
    } else if (c === "'") {
      const close = script.indexOf("'", i + 1);
      if (close < 0) return false;
      i = close;
    } else if (c === '"') {
      for (i += 1; i < script.length && script[i] !== '"'; i++) if (script[i] === '\\') i += 1;
      if (i >= script.length) return false;
    } else if (c === '$' && script[i + 1] === '{') {
      braces += 1;
      i += 1;
    } else if (c === '}') {
      if (braces > 0) braces -= 1;
      else if (
        (i === 0 || WORD_DELIMITERS.includes(script[i - 1] as string)) &&
        (i === script.length - 1 || WORD_DELIMITERS.includes(script[i + 1] as string))
      )
        return false;
    }
  }
  return braces === 0;
}

/** Whether `script` gives the same result in a forked subshell as with `/bin/sh -c`. */
export function subshellSafe(script: string): boolean {
  return !READS_SHELL_IDENTITY.test(script) && !USES_LOCAL.test(script) && wrapsAsFunction(script);
}

/** The function a subshell job runs as, and the variable holding its text until then (unset before it runs). */
const JOB_FUNCTION = '__directord_job';
const JOB_TEXT = '__directord_script';

/**
 * The shell text, for the fork server's input, that runs `script` with `env` and exits with its
 * status; stdout, stderr and stdin are set by the caller around it.
 *
 * In `subshell` mode the script becomes the body of a function defined and called in a forked
 * subshell. A function (not `eval` of the script itself) keeps the shell's messages as
 * `sh -c` prints them: inside `eval` dash prefixes every error with `eval: `. A script that does
 * not define cleanly (a syntax error) is handed to `/bin/sh -c` in that subshell, so its error
 * reads exactly as `sh -c` reports it (`command eval`: a plain `eval` syntax error would end the
 * subshell there).
 */
export function jobCommand(script: string, env: Readonly<Record<string, string>>, mode: JobShell): string {
  const quoted = shellQuote(script);
  const assignments = envAssignments(env);
  if (mode === 'exec' || !subshellSafe(script)) return `${assignments}/bin/sh -c ${quoted}`;
  // The text once, in a variable: a large script is not written (and parsed) twice. Inside
  // double quotes the expansion is taken as it is, so eval sees exactly the script.
  return (
    `( ${assignments ? `export ${assignments}; ` : ''}${JOB_TEXT}=${quoted}; ` +
    `if command eval "${JOB_FUNCTION}() { $${JOB_TEXT}\n}" 2>/dev/null; then unset ${JOB_TEXT}; ${JOB_FUNCTION}; else exec /bin/sh -c "$${JOB_TEXT}"; fi )`
  );
}
