/**
 * `directord`: the command line (spec 2), with the data dir in place of Directord's sockets.
 * Only commander is loaded up front; each command's module is imported when it runs, so
 * `exec` never loads the server, the agent or better-sqlite3 (docs/design.md, layer `cli/`).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createLogger } from '../protocol/log.js';
import type { CliContext } from './context.js';
import { EXIT, isCliError } from './errors.js';
import { errorLine, write, writeErr } from './output.js';
import { VERSION_LINE } from './version.js';
import type { ExecOptions } from './commands/exec.js';
import type { OrchestrateOptions } from './commands/orchestrate.js';
import type { ManageOptions } from './commands/manage.js';
import type { ServerOptions } from './commands/server.js';
import type { ServeOptions } from './commands/serve.js';
import { maxOutputOption, retentionDaysOption, retentionMaxMbOption } from './commands/storage-options.js';
import { tlsOption } from './commands/tls-option.js';
import { allowedHostOption, allowedOriginOption } from './commands/browser-options.js';
import { oidcConfigOption } from './commands/oidc-option.js';
import { smtpFromOption, smtpUrlOption } from './commands/smtp-option.js';
import type { BootstrapOptions } from './commands/bootstrap.js';
import type { InventoryOptions } from './commands/inventory.js';
import type { NotifyAddOptions, ScheduleAddOptions, TriggerAddOptions } from './commands/automation.js';
import type { AuditListOptions, UserAddOptions, UserSetOptions } from './commands/teams.js';

const DEFAULT_POLL_TIMEOUT_S = 600;

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds greater than 0');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number (0-65535)');
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

/** --poll / --wait / --stream (/ --finger-print) are mutually exclusive (spec 2.2). */
function modeOptions(withFingerPrint: boolean): Option[] {
  const modes = withFingerPrint ? ['poll', 'wait', 'stream', 'fingerPrint'] : ['poll', 'wait', 'stream'];
  const others = (self: string) => modes.filter((m) => m !== self);
  const options = [
    new Option('--poll', 'wait for every job and print one status line per job').conflicts(others('poll')),
    new Option('--wait', 'like --poll, behind a spinner').conflicts(others('wait')),
    new Option('--stream', "like --poll, printing each node's STDOUT and STDERR first").conflicts(others('stream')),
  ];
  if (withFingerPrint)
    options.push(new Option('--finger-print', 'print the job fingerprints and send nothing').conflicts(others('fingerPrint')));
  options.push(
    new Option('--check', 'exit 1 and list FAILED JOBS when a job failed or did not settle (implies --poll)'),
    new Option('--timeout-poll <seconds>', 'how long --poll/--wait/--stream wait for results')
      .argParser(seconds)
      .default(DEFAULT_POLL_TIMEOUT_S),
  );
  return options;
}

function buildProgram(setResult: (code: number) => void): Command {
  const program = new Command('directord');
  program
    .description('Directord Console: run Directord orchestrations on agents driven by a local server')
    .configureOutput({ writeOut: (text) => write(text), writeErr: (text) => errorLine(text.replace(/\n$/, '')) })
    .exitOverride()
    .enablePositionalOptions()
    .version(VERSION_LINE, '--version', 'print the version')
    .option(
      '--data-dir <dir>',
      'the server data dir (default: $DIRECTORD_DATA_DIR, else $XDG_DATA_HOME/directord or ~/.local/share/directord)',
    )
    .option('--debug', 'debug logging on stderr')
    .option('--token <token>', "act as the user of this API token (default: $DIRECTORD_TOKEN, else the local admin's cli.token)");

  /** `--data-dir` after the sub-command's name wins over the one before it (both are what users type). */
  const context = (command?: Command): CliContext => {
    const opts = program.opts<{ dataDir?: string; debug?: boolean }>();
    const own = command?.opts<{ dataDir?: string }>().dataDir;
    // `--token` (before or after the sub-command) wins over $DIRECTORD_TOKEN; discovery reads it there.
    const token = command?.opts<{ token?: string }>().token ?? program.opts<{ token?: string }>().token;
    if (token !== undefined) process.env.DIRECTORD_TOKEN = token;
    const debug = opts.debug === true || process.env.DIRECTORD_DEBUG === 'true';
    return {
      dataDirOption: own ?? opts.dataDir,
      debug,
      env: process.env,
      log: createLogger('directord:cli', writeErr, debug ? 'debug' : 'warn'),
    };
  };
  const dataDirOption = () => new Option('--data-dir <dir>', 'the server data dir (as `directord --data-dir DIR …`)');
  const tokenOption = () => new Option('--token <token>', 'act as the user of this API token (default: $DIRECTORD_TOKEN, else cli.token)');
  const roleOption = () => new Option('--role <role>', 'viewer, operator or admin').choices(['viewer', 'operator', 'admin']);
  /** Sub-commands of user/token/audit: each takes --data-dir and --token after its name too. */
  const sub = (parent: Command, name: string, description: string) =>
    parent.command(name).description(description).addOption(dataDirOption()).addOption(tokenOption());
  const teams = () => import('./commands/teams.js');

  const user = program.command('user').description('user accounts (issue #18): add, list, set, rm');
  sub(user, 'add', 'add a user; prints a one-time password unless --password-stdin')
    .argument('<name>', 'user name (lower case letters, digits, . _ -)')
    .addOption(roleOption().makeOptionMandatory())
    .option(
      '--scope <pattern>',
      "operators only: the inventory pattern their runs must stay inside, e.g. 'web:&label:env=prod' (groups, labels, globs, a:b, a:&b, a:!b)",
    )
    .option('--password-stdin', 'read the password from stdin instead of making a one-time one')
    .action(async (name: string, options: UserAddOptions, command: Command) =>
      setResult(await (await teams()).runUserAdd(name, options, context(command))),
    );
  sub(user, 'list', 'list users (never their passwords)').action(async (_o: unknown, command: Command) =>
    setResult(await (await teams()).runUserList(context(command))),
  );
  sub(user, 'set', "change a user's role, scope or state")
    .argument('<name>')
    .addOption(roleOption())
    .option('--scope <pattern>', 'operators: the inventory pattern their runs must stay inside')
    .option('--no-scope', 'remove the scope')
    .option('--disable', 'refuse their sign-in, sessions and tokens from now on')
    .option('--enable', 'undo --disable')
    .action(async (name: string, options: UserSetOptions, command: Command) =>
      setResult(await (await teams()).runUserSet(name, options, context(command))),
    );
  sub(user, 'rm', 'remove a user with their sessions and API tokens')
    .argument('<name>')
    .action(async (name: string, _o: unknown, command: Command) => setResult(await (await teams()).runUserRemove(name, context(command))));

  const token = program.command('token').description('API tokens for the CLI and scripts (issue #18): create, list, revoke');
  sub(token, 'create', 'create an API token for a user; prints the token alone on its last line')
    .requiredOption('--user <name>', 'whose token')
    .option('--expires <duration>', 'validity, e.g. 12h, 30d (default: until revoked)')
    .option('--note <text>', 'a note shown in token list')
    .action(async (options: { user: string; expires?: string; note?: string }, command: Command) =>
      setResult(await (await teams()).runTokenCreate(options, context(command))),
    );
  sub(token, 'list', 'list API tokens (never the tokens themselves)')
    .option('--user <name>', 'only this user')
    .action(async (options: { user?: string }, command: Command) =>
      setResult(await (await teams()).runTokenList(options, context(command))),
    );
  sub(token, 'revoke', 'revoke an API token by id')
    .argument('<id>')
    .action(async (id: string, _o: unknown, command: Command) => setResult(await (await teams()).runTokenRevoke(id, context(command))));

  const audit = program.command('audit').description('the tamper-evident audit log (issue #18): list, export, verify');
  sub(audit, 'list', 'list audit rows (oldest first; the latest 1000 unless --limit)')
    .option('--user <name>', 'only this user')
    .option('--action <action>', 'only this action, e.g. runs:submit, auth:login')
    .option('--since <time>', 'from this time (ISO) or this long ago (90m, 12h, 7d)')
    .option('--limit <n>', 'at most this many rows', count)
    .option('--json', 'JSON Lines instead of a table')
    .action(async (options: AuditListOptions, command: Command) =>
      setResult(await (await teams()).runAuditList(options, context(command))),
    );
  sub(audit, 'export', 'every row as JSON Lines, to FILE or stdout')
    .argument('[file]')
    .action(async (file: string | undefined, _o: unknown, command: Command) =>
      setResult(await (await teams()).runAuditExport(file, context(command))),
    );
  const secret = program.command('secret').description('secrets for jobs as {{ secrets.NAME }} (issue #18): set, list, rm');
  sub(secret, 'set', 'set a secret (a new version) from stdin')
    .argument('<name>')
    .action(async (name: string, _o: unknown, command: Command) => setResult(await (await teams()).runSecretSet(name, context(command))));
  sub(secret, 'list', 'list secrets: names, versions, who changed them (never values)').action(async (_o: unknown, command: Command) =>
    setResult(await (await teams()).runSecretList(context(command))),
  );
  sub(secret, 'rm', 'remove a secret')
    .argument('<name>')
    .action(async (name: string, _o: unknown, command: Command) =>
      setResult(await (await teams()).runSecretRemove(name, context(command))),
    );
  sub(audit, 'verify', 'check the hash chain: exit 0 when intact, else name the first changed row').action(
    async (_o: unknown, command: Command) => setResult(await (await teams()).runAuditVerify(context(command))),
  );

  program
    .command('server')
    .description('run the server in the foreground (no local agent)')
    .option('--port <port>', 'listen port (0: any free port)', port)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .addOption(tlsOption())
    .option('--components-dir <dir>', 'user components (*.js, *.mjs) to load and ship to agents (default: DATA_DIR/components)')
    .addOption(maxOutputOption())
    .addOption(retentionDaysOption())
    .addOption(retentionMaxMbOption())
    .addOption(allowedOriginOption())
    .addOption(allowedHostOption())
    .addOption(smtpUrlOption())
    .addOption(smtpFromOption())
    .addOption(oidcConfigOption())
    .addOption(dataDirOption())
    .action(async (options: ServerOptions, command: Command) => {
      const { runServerCommand } = await import('./commands/server.js');
      setResult(await runServerCommand(options, context(command)));
    });

  program
    .command('agent')
    .alias('client')
    .description('run an agent in the foreground (options are passed to the agent: --server, --identity, --cache-dir, …)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_options: unknown, command: Command) => {
      const { runAgentCommand } = await import('./commands/agent.js');
      setResult(await runAgentCommand(command.args, context()));
    });

  program
    .command('serve')
    .description('the headless console: server, local agents and the web console; prints the console URL')
    .option('--port <port>', 'listen port (default: 7500 when free, else any free port)', port)
    .option('--host <host>', 'listen address', '127.0.0.1')
    .addOption(tlsOption())
    .option('--local-agents <n>', 'how many local agents to run', count, 1)
    .option('--no-agent', 'run no local agent')
    .option('--components-dir <dir>', 'user components (*.js, *.mjs) to load and ship to agents (default: DATA_DIR/components)')
    .addOption(maxOutputOption())
    .addOption(retentionDaysOption())
    .addOption(retentionMaxMbOption())
    .addOption(allowedOriginOption())
    .addOption(allowedHostOption())
    .addOption(smtpUrlOption())
    .addOption(smtpFromOption())
    .addOption(oidcConfigOption())
    .addOption(dataDirOption())
    .action(async (options: ServeOptions, command: Command) => {
      const { runServe } = await import('./commands/serve.js');
      setResult(await runServe(options, context(command)));
    });

  const exec = program
    .command('exec')
    .description('run one job (a verb and its job string) on the targets')
    .requiredOption('--verb <verb>', 'the component, e.g. RUN (case-sensitive)')
    .option('--target <targets...>', 'run on these targets only (default: every online agent)')
    .option('--force-async', 'run the job in its own queue on each agent')
    // A rollout of the one job, as the entry keys (issue #17); values are checked as the YAML keys are.
    .option('--serial <sizes>', 'run in waves of N hosts, P% of them, or a list N,P%,… (the last size repeats)')
    .option('--max-fail-percentage <p>', 'share (0-100) of the hosts that may fail before the rollout halts (default 0 with --serial)')
    .option('--pause <seconds>', 'wait this long between waves')
    .option('--approve', "wait for an operator's approval (directord rollout approve RUN_ID) before each wave after the first")
    .option('--order <order>', 'shuffle: mix the hosts before they are cut into waves (default: target order)')
    .option('--concurrency <n>', 'at most N hosts run the job at once (no halting)')
    .argument('<string...>', "the job string, e.g. 'echo hello'; --exec-help shows the verb's options")
    .allowUnknownOption()
    .addOption(tokenOption())
    .addOption(dataDirOption());
  for (const option of modeOptions(false)) exec.addOption(option);
  exec.action(async (words: string[], options: ExecOptions, command: Command) => {
    const { runExec } = await import('./commands/exec.js');
    setResult(await runExec(words, options, context(command)));
  });

  const orchestrate = program
    .command('orchestrate')
    .description('run orchestration files (YAML lists of entries with jobs)')
    .argument('<files...>', 'orchestration files, run in order')
    .option('--target <targets...>', 'replace the targets of every entry (not a job-level assign)')
    .option('--restrict <shas...>', 'run only the jobs with these SHA3-224 fingerprints (see --finger-print)')
    .option('--ignore-cache', 'run every job even when an agent cached its success')
    .option('--force-async', 'treat every entry as async: true')
    .option('--plan', 'show per host what each job would do (run, cached, run-once done, host offline) and the waves; runs nothing')
    .option('--concurrency <n>', "at most N hosts run an entry at once (an entry's concurrency: key wins)", count)
    .addOption(tokenOption())
    .addOption(dataDirOption());
  for (const option of modeOptions(true)) orchestrate.addOption(option);
  orchestrate.action(async (files: string[], options: OrchestrateOptions, command: Command) => {
    const { runOrchestrate } = await import('./commands/orchestrate.js');
    setResult(await runOrchestrate(files, options, context(command)));
  });

  program
    .command('inventory')
    .description(
      'hosts, groups, labels and vars: import FILE [--replace] | list [PATTERN] | export [--format yaml|json] | group|label|var … | smart add NAME PATTERN|list|rm NAME',
    )
    .argument('<action>', 'import, list, export, group, label, var or smart')
    .argument('[args...]', "the action's arguments")
    .option('--replace', 'with import: replace the whole inventory instead of merging')
    .option('--format <format>', 'with export: yaml (Ansible) or json (ansible-inventory --list)')
    .allowUnknownOption()
    .addOption(dataDirOption())
    .action(async (action: string, args: string[], options: InventoryOptions, command: Command) => {
      const { runInventory } = await import('./commands/inventory.js');
      setResult(await runInventory(action, args, options, context(command)));
    });

  program
    .command('rollout')
    .description('answer a rollout (waves): approve the next wave, resume or retry a halted one, or abort it')
    .argument('<action>', 'approve, resume, retry or abort')
    .argument('<run-id>', 'the run (printed as "Run: RUN_ID" by exec and orchestrate)')
    .addOption(dataDirOption())
    .action(async (action: string, runId: string, _options: unknown, command: Command) => {
      const { runRollout } = await import('./commands/rollout.js');
      setResult(await runRollout(action, runId, context(command)));
    });

  program
    .command('manage')
    .description('inspect and manage the server: exactly one action')
    .option('--list-jobs', 'list the newest jobs (1000 unless --limit; --after ID for older ones)')
    .option('--list-nodes', 'list the online agents')
    .option('--job-info <id>', "show one job's record (`last`: the latest job)")
    .option('--purge-jobs', 'delete every job record')
    .option('--purge-nodes', 'forget every agent (online agents reappear)')
    .option('--export-jobs <file>', 'write every job record to FILE as YAML')
    .option('--export-nodes <file>', 'write every agent record to FILE as YAML')
    .option('--dump-cache', "print the local agents' caches as JSON (no server needed)")
    .option('--analyze-parent <id>', 'timing analysis of one orchestration entry (parent id)')
    .option('--analyze-job <id>', 'timing analysis of one job')
    .option('--analyze-all', 'timing analysis of every job')
    .option('--create-enrolment', 'create an enrolment token for new agents (prints it and the agent command)')
    .option('--uses <n>', 'with --create-enrolment: how many agents may enrol with it (default 1)', count)
    .option('--expires <duration>', 'with --create-enrolment: validity, e.g. 30m, 12h, 7d (default 1h)')
    .option('--note <text>', 'with --create-enrolment: a note shown in --list-enrolments')
    .option('--list-enrolments', 'list the enrolment tokens (never their secrets)')
    .option('--revoke-enrolment <id>', 'revoke an enrolment token by id')
    .option('--revoke-node <name>', 'revoke an agent: disconnect it now and refuse its credential from now on')
    .option(
      '--rotate-console-token',
      'replace the console token (ui.token): old links and every browser session stop working; prints the new link',
    )
    .addOption(new Option('--filter <state>', 'with --list-jobs: only these jobs').choices(['success', 'failed', 'processing']))
    .option('--search-output <text>', 'search stored output: words, "a phrase", prefix*; prints run, job, host, stream:line and the line')
    .option('--host-history <name>', "one host's runs, newest first, with its successes and failures")
    .option('--limit <n>', 'with --list-jobs, --host-history or --search-output: how many rows', count)
    .option('--after <id>', 'with --list-jobs (a job id) or --host-history (a run id): continue after it, with older ones')
    .option('--since <duration>', 'with --search-output: only jobs of the last 90s, 30m, 12h, 7d…')
    .option('--host <pattern>', 'with --search-output: only hosts matching this glob (web-*)')
    .option('--verb <verb>', 'with --search-output: only jobs of this verb (RUN)')
    .addOption(tokenOption())
    .addOption(dataDirOption())
    .action(async (options: ManageOptions, command: Command) => {
      const { runManage } = await import('./commands/manage.js');
      setResult(await runManage(options, context(command)));
    });

  program
    .command('bootstrap')
    .description('install agents over SSH from Directord bootstrap catalogs (servers first, then clients in parallel)')
    .requiredOption('--catalog <files...>', 'catalog YAML files (deep-merged in order)')
    .addOption(
      new Option('--key-file <file>', 'SSH private key (default: the ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa)').env(
        'DIRECTORD_BOOTSTRAP_SSH_KEY_FILE',
      ),
    )
    .addOption(new Option('--threads <n>', 'clients bootstrapped at once').argParser(count).default(10).env('DIRECTORD_BOOTSTRAP_THREADS'))
    .option('--server-url <url>', 'the URL agents connect to (default: the URL in DATA_DIR/server.json)')
    .option('--prefix <dir>', 'install folder on each host (default: ~/.local/share/directord-agent)')
    .option('--known-hosts <file>', 'known_hosts file to check and record host keys in (default: ~/.ssh/known_hosts)')
    .option(
      '--strict-host-keys',
      'refuse hosts not in known_hosts (default: accept new hosts and record them; a changed key is always refused)',
    )
    .addOption(
      new Option('--start <how>', 'how to run the agent: a systemd unit (root on systemd hosts) or nohup')
        .choices(['auto', 'systemd', 'nohup'])
        .default('auto'),
    )
    .option('--online-timeout <seconds>', 'how long to wait for each agent to come online', seconds, 60)
    .option(
      '--replace',
      'a host whose name an earlier agent holds (name-taken: its files were removed, the host reinstalled): revoke that agent and install again',
    )
    .addOption(dataDirOption())
    .action(async (options: BootstrapOptions, command: Command) => {
      const { runBootstrap } = await import('./commands/bootstrap.js');
      setResult(await runBootstrap(options, context(command)));
    });

  registerAutomation(program, context, dataDirOption, setResult);
  return program;
}

/** `schedule`, `notify` and `trigger` (issue #19): each a group of sub-commands. */
function registerAutomation(
  program: Command,
  context: (command?: Command) => CliContext,
  dataDirOption: () => Option,
  setResult: (code: number) => void,
): void {
  const load = () => import('./commands/automation.js');
  const schedule = program.command('schedule').description('runs that start themselves on a cron schedule');
  schedule
    .command('add')
    .description('add a schedule on a Library orchestration or a file')
    .requiredOption('--name <name>', 'the schedule name (runs are requested by schedule:NAME)')
    .requiredOption('--cron <expr>', 'five cron fields, or six with seconds first')
    .option('--tz <zone>', 'IANA time zone of the cron fields (default: the server’s)')
    .option('--library <name>', 'a saved Library orchestration')
    .option('--file <file>', 'an orchestration file (its text is stored with the schedule)')
    .option('--target <pattern>', 'run on these targets (as orchestrate --target)')
    .addOption(
      new Option('--misfire <policy>', 'after downtime: skip the missed fire, or run once').choices(['skip', 'run-once']).default('skip'),
    )
    .addOption(new Option('--overlap <policy>', 'while the last run is still running').choices(['skip', 'queue', 'allow']).default('skip'))
    .addOption(dataDirOption())
    .action(async (options: ScheduleAddOptions, command: Command) =>
      setResult(await (await load()).scheduleAdd(options, context(command))),
    );
  schedule
    .command('list')
    .description('list schedules with their next fire time')
    .addOption(dataDirOption())
    .action(async (_o: unknown, command: Command) => setResult(await (await load()).scheduleList(context(command))));
  for (const action of ['pause', 'resume', 'rm'] as const) {
    schedule
      .command(action)
      .description(action === 'rm' ? 'remove a schedule' : `${action} a schedule`)
      .argument('<name>')
      .addOption(dataDirOption())
      .action(async (name: string, _o: unknown, command: Command) =>
        setResult(await (await load()).scheduleSet(action, name, context(command))),
      );
  }
  schedule
    .command('runs')
    .description('the runs a schedule started, newest first')
    .argument('<name>')
    .addOption(dataDirOption())
    .action(async (name: string, _o: unknown, command: Command) => setResult(await (await load()).scheduleRuns(name, context(command))));

  const notify = program.command('notify').description('notifications on run events (webhook, Slack, email)');
  notify
    .command('add')
    .description('add a notification')
    .requiredOption('--name <name>', 'the notification name')
    .option('--webhook <url>', 'POST a JSON run summary to URL')
    .option('--secret <secret>', 'with --webhook: sign bodies (X-Directord-Signature: sha256=HMAC)')
    .option('--slack <url>', 'a Slack-compatible incoming webhook URL')
    .option('--email <addr>', 'mail this address through the server’s SMTP settings')
    .requiredOption('--on <events>', `comma-separated: ${RUN_EVENT_NAMES}`)
    .option('--library <name>', 'only runs of this Library item (default: every run)')
    .addOption(dataDirOption())
    .action(async (options: NotifyAddOptions, command: Command) => setResult(await (await load()).notifyAdd(options, context(command))));
  notify
    .command('list')
    .description('list notifications')
    .addOption(dataDirOption())
    .action(async (_o: unknown, command: Command) => setResult(await (await load()).notifyList(context(command))));
  notify
    .command('test')
    .description('send a test event now')
    .argument('<name>')
    .addOption(dataDirOption())
    .action(async (name: string, _o: unknown, command: Command) => setResult(await (await load()).notifyTest(name, context(command))));
  notify
    .command('rm')
    .description('remove a notification')
    .argument('<name>')
    .addOption(dataDirOption())
    .action(async (name: string, _o: unknown, command: Command) => setResult(await (await load()).notifyRemove(name, context(command))));

  const trigger = program.command('trigger').description('inbound webhooks (POST /hooks/ID) that start an orchestration');
  trigger
    .command('add')
    .description('add a trigger; prints its URL and secret (shown once)')
    .requiredOption('--name <name>', 'the trigger name (runs are requested by trigger:NAME)')
    .option('--library <name>', 'a saved Library orchestration')
    .option('--file <file>', 'an orchestration file (its text is stored with the trigger)')
    .option('--target <pattern>', 'run on these targets (as orchestrate --target)')
    .option('--vars-from <fields...>', 'JSON body fields copied into the run’s vars (dotted paths allowed)')
    .addOption(
      new Option('--auth <how>', 'any: Bearer or X-Hub-Signature-256 HMAC (keeps the key); bearer: Bearer only (keeps only a hash)')
        .choices(['any', 'bearer'])
        .default('any'),
    )
    .addOption(dataDirOption())
    .action(async (options: TriggerAddOptions, command: Command) => setResult(await (await load()).triggerAdd(options, context(command))));
  trigger
    .command('list')
    .description('list triggers')
    .addOption(dataDirOption())
    .action(async (_o: unknown, command: Command) => setResult(await (await load()).triggerList(context(command))));
  trigger
    .command('rm')
    .description('remove a trigger')
    .argument('<name>')
    .addOption(dataDirOption())
    .action(async (name: string, _o: unknown, command: Command) => setResult(await (await load()).triggerRemove(name, context(command))));
}

const RUN_EVENT_NAMES = 'started, succeeded, failed, halted, awaiting-approval';

/** Runs the CLI with `argv` as in `process.argv` (node, script, arguments…); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let result: number = EXIT.ok;
  const program = buildProgram((code) => {
    result = code;
  });
  // `--token` sets $DIRECTORD_TOKEN for this run only (main may run several times in one process: tests).
  const envToken = process.env.DIRECTORD_TOKEN;
  try {
    await program.parseAsync([...argv], { from: 'node' });
    return result;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version exit 0; usage errors (and no command at all) exit 2, as argparse does.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isCliError(error)) {
      errorLine(error.message);
      return error.exitCode;
    }
    const debug = argv.includes('--debug');
    errorLine(`directord: internal error: ${error instanceof Error ? (debug ? error.stack : error.message) : String(error)}`);
    return EXIT.failure;
  } finally {
    if (envToken === undefined) delete process.env.DIRECTORD_TOKEN;
    else process.env.DIRECTORD_TOKEN = envToken;
  }
}

/** True when this module is the program being run: `node cli/main.ts`, the bundle, or bin/directord.js. */
function isEntry(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  let real: string;
  try {
    real = realpathSync(script);
  } catch {
    return false;
  }
  return real === fileURLToPath(import.meta.url) || /[\\/]bin[\\/]directord(\.js)?$/.test(real);
}

// No top-level await: the built CLI is CommonJS (scripts/build.mjs), which has none.
if (isEntry()) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
    // Whatever a command left open must not keep a finished CLI alive.
    setTimeout(() => process.exit(code), 1000).unref();
  });
}
