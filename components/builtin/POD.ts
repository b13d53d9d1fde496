import { Type } from '@sinclair/typebox';
import { ArgumentError, defineComponent } from '../define.js';
import { boolField, choiceField, optionalStringField, stringArrayField, stringField } from './fields.js';
import { exclusiveOption, failure, onlyWith, shellQuote } from './host.js';
import { noTlsVerifyArg, podmanCommand, requirePodman, runAll, socketPathArg } from './podman.js';

const ACTIONS = ['start', 'stop', 'rm', 'kill', 'inspect', 'play', 'exec_run'] as const;
type Action = (typeof ACTIONS)[number];

const NAME = { pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', 'x-pattern-hint': 'expects a podman name or id' };
const ENV_LIST = '^[A-Za-z_][A-Za-z0-9_]*=[^,]*(,[A-Za-z_][A-Za-z0-9_]*=[^,]*)*$';

/**
 * POD (spec 4.19) over the podman CLI (see podman.ts for why not the REST socket). Exactly
 * one action:
 * - `--start|--stop|--inspect NAME` → `podman pod start|stop|inspect NAME`;
 * - `--rm NAME` → `podman pod rm [--force] NAME`;
 * - `--kill NAME` → `podman pod kill --signal SIG NAME`;
 * - `--play FILE` → `podman play kube [--tls-verify=false] FILE` (the file must exist on the target);
 * - `--exec-run CONTAINER --command ARG…` → `podman exec [--privileged] [--env K=V]… CONTAINER ARG…`.
 * Options that only apply to another action are refused at parse time. Directord passed the
 * job's --timeout to the pod start/stop API as the stop grace period; podman's own default
 * grace period is kept here, so a stop cannot outlast the job's timeout.
 * Job fields: `pod_action`, then the action's arguments, then `socket_path` when given.
 */
export const POD = defineComponent({
  verb: 'POD',
  summary: 'Start, stop, remove, kill, inspect or play pods with podman.',
  description:
    'Runs one podman pod action on the target: --start, --stop, --rm, --kill or --inspect a pod, --play a Kubernetes ' +
    'YAML file, or --exec-run a command in a container. Needs podman on the target.',
  args: Type.Object({
    start: Type.Optional(
      Type.String({ 'x-argv': 'option', 'x-metavar': 'POD_NAME', ...NAME, title: 'Start pod', description: 'Start this pod.' }),
    ),
    stop: Type.Optional(
      Type.String({ 'x-argv': 'option', 'x-metavar': 'POD_NAME', ...NAME, title: 'Stop pod', description: 'Stop this pod.' }),
    ),
    rm: Type.Optional(
      Type.String({ 'x-argv': 'option', 'x-metavar': 'POD_NAME', ...NAME, title: 'Remove pod', description: 'Remove this pod.' }),
    ),
    kill: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': 'POD_NAME',
        ...NAME,
        title: 'Kill pod',
        description: 'Send --kill-signal to every container of this pod.',
      }),
    ),
    inspect: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': 'POD_NAME',
        ...NAME,
        title: 'Inspect pod',
        description: "Print this pod's details as JSON.",
      }),
    ),
    play: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': 'POD_FILE',
        minLength: 1,
        title: 'Play pod file',
        description: 'Create and start the pods of this Kubernetes YAML file on the target.',
      }),
    ),
    exec_run: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': 'CONTAINER_NAME',
        ...NAME,
        title: 'Run in container',
        description: 'Run --command in this running container.',
      }),
    ),
    env: Type.Optional(
      Type.String({
        'x-argv': 'option',
        'x-metavar': 'KEY=VALUE[,KEY=VALUE...]',
        pattern: ENV_LIST,
        'x-pattern-hint': 'expects KEY=VALUE pairs separated by commas',
        title: 'Environment',
        description: 'With --exec-run: environment variables for the command, KEY=VALUE separated by commas.',
      }),
    ),
    command: Type.Optional(
      Type.Array(Type.String(), {
        'x-argv': 'option',
        'x-metavar': 'ARG',
        minItems: 1,
        title: 'Command',
        description: 'With --exec-run: the command and its arguments (every value up to the next option).',
      }),
    ),
    privileged: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Privileged',
      description: 'With --exec-run: run the command with extended privileges.',
    }),
    force: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Force',
      description: 'With --rm: stop running containers and remove the pod anyway.',
    }),
    kill_signal: Type.String({
      'x-argv': 'option',
      'x-metavar': 'SIGNAL',
      pattern: '^(?:(?:SIG)?[A-Z][A-Z0-9+-]*|\\d+)$',
      'x-pattern-hint': 'expects a signal such as SIGKILL, TERM or 9',
      default: 'SIGKILL',
      title: 'Kill signal',
      description: 'With --kill: the signal to send.',
    }),
    no_tlsverify: noTlsVerifyArg,
    socket_path: socketPathArg,
  }),
  cacheable: true,
  requiresLock: false,
  toJob(parsed) {
    const action = exclusiveOption('POD', parsed, ['start', 'stop', 'rm', 'kill', 'inspect', 'play', 'exec_run'], true) as Action;
    const exec = action === 'exec_run';
    onlyWith('POD', parsed, 'env', exec, '--exec-run');
    onlyWith('POD', parsed, 'command', exec, '--exec-run');
    onlyWith('POD', parsed, 'privileged', exec, '--exec-run');
    onlyWith('POD', parsed, 'force', action === 'rm', '--rm');
    onlyWith('POD', parsed, 'no_tlsverify', action === 'play', '--play');
    if (parsed.kill_signal !== 'SIGKILL' && action !== 'kill')
      throw new ArgumentError('POD: --kill-signal only applies to --kill', 'kill_signal');
    const job: Record<string, unknown> = { pod_action: action };
    switch (action) {
      case 'play':
        job.pod_file = parsed.play;
        job.tls_verify = !parsed.no_tlsverify;
        break;
      case 'exec_run':
        if (!parsed.command?.length) throw new ArgumentError('POD: --exec-run needs --command', 'command');
        job.name = parsed.exec_run;
        job.command = parsed.command;
        if (parsed.env !== undefined) job.env = parsed.env.split(',');
        job.privileged = parsed.privileged;
        break;
      default:
        job.name = parsed[action];
        if (action === 'rm') job.force = parsed.force;
        if (action === 'kill') job.signal = parsed.kill_signal;
    }
    if (parsed.socket_path !== undefined) job.socket_path = parsed.socket_path;
    return job;
  },
  async run(ctx, fields) {
    const action = choiceField(fields, 'pod_action', ACTIONS);
    const podman = podmanCommand(optionalStringField(fields, 'socket_path'));
    let command: string;
    switch (action) {
      case 'play': {
        const file = stringField(fields, 'pod_file');
        const missing = await requirePodman(ctx);
        if (missing) return missing;
        if (!(await ctx.files.exists(file))) return failure(ctx, `POD: pod file ${file} does not exist on this host`);
        command = `${podman} play kube${fields.tls_verify === false ? ' --tls-verify=false' : ''} ${shellQuote(file)}`;
        break;
      }
      case 'exec_run': {
        const name = stringField(fields, 'name');
        const argv = stringArrayField(fields, 'command');
        if (argv.length === 0) throw new TypeError('job field command must not be empty');
        const env = stringArrayField(fields, 'env');
        const missing = await requirePodman(ctx);
        if (missing) return missing;
        command = `${podman} exec${boolField(fields, 'privileged') ? ' --privileged' : ''}${env.map((e) => ` --env ${shellQuote(e)}`).join('')} ${shellQuote(name)} ${argv.map(shellQuote).join(' ')}`;
        break;
      }
      default: {
        const name = shellQuote(stringField(fields, 'name'));
        const missing = await requirePodman(ctx);
        if (missing) return missing;
        if (action === 'rm') command = `${podman} pod rm${boolField(fields, 'force') ? ' --force' : ''} ${name}`;
        else if (action === 'kill') command = `${podman} pod kill --signal ${shellQuote(stringField(fields, 'signal'))} ${name}`;
        else command = `${podman} pod ${action} ${name}`;
      }
    }
    return runAll(ctx, [command]);
  },
});
