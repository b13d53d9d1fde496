/**
 * Component manifests the mock fleet announces: the real built-ins (components/builtin) plus a
 * few JSON-only ones (ADD, DNF, SERVICE, WAIT, QUERY) so the console's forms meet enums, arrays
 * and positionals.
 */
import type { ComponentManifest } from '../../../protocol/agents.js';
import { builtinComponents } from '../../../components/builtin/index.js';
import { componentManifest } from '../../../components/registry.js';

const str = (title: string, extra: Record<string, unknown> = {}) => ({ type: 'string', title, ...extra });
const flag = (title: string, description: string) => ({ type: 'boolean', default: false, title, description, 'x-argv': 'flag' });

const extra: ComponentManifest[] = [
  {
    verb: 'ADD',
    summary: 'Copy files from the server to the targets.',
    cacheable: true,
    requiresLock: true,
    lockName: 'copy',
    builtin: true,
    args: {
      type: 'object',
      required: ['files'],
      properties: {
        chown: str('Owner', {
          description: 'user[:group] of the copied files',
          pattern: '^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$',
          'x-argv': 'option',
        }),
        chmod: str('Mode', { description: 'Octal file mode, e.g. 0644', pattern: '^0?[0-7]{3,4}$', 'x-argv': 'option' }),
        blueprint: flag('Blueprint', 'Render the file as a Jinja template on the target'),
        files: {
          type: 'array',
          items: { type: 'string' },
          minItems: 2,
          title: 'Sources and destination',
          description: 'Source globs, then the destination path',
          'x-argv': 'positionals',
        },
      },
    },
  },
  {
    verb: 'DNF',
    summary: 'Install, update or remove packages with dnf.',
    cacheable: true,
    requiresLock: true,
    builtin: true,
    args: {
      type: 'object',
      required: ['packages'],
      properties: {
        state: {
          anyOf: [
            { const: 'present', type: 'string' },
            { const: 'latest', type: 'string' },
            { const: 'absent', type: 'string' },
          ],
          default: 'present',
          title: 'State',
          'x-argv': 'option',
        },
        clear_metadata: flag('Clear metadata', 'Run dnf clean all and makecache first'),
        exclude: { type: 'array', items: { type: 'string' }, title: 'Exclude', description: 'Packages to exclude', 'x-argv': 'option' },
        retry: { type: 'integer', minimum: 0, default: 3, title: 'Retries', 'x-argv': 'option' },
        packages: { type: 'array', items: { type: 'string' }, title: 'Packages', 'x-argv': 'positionals' },
      },
    },
  },
  {
    verb: 'SERVICE',
    summary: 'Start, stop, restart or enable systemd services.',
    cacheable: true,
    requiresLock: true,
    builtin: true,
    args: {
      type: 'object',
      required: ['services'],
      properties: {
        action: { enum: ['started', 'restarted', 'reloaded', 'stopped'], default: 'started', title: 'Action', 'x-argv': 'option' },
        enable: flag('Enable', 'Enable the services at boot'),
        services: { type: 'array', items: { type: 'string' }, title: 'Services', 'x-argv': 'positionals' },
      },
    },
  },
  {
    verb: 'WAIT',
    summary: 'Wait for seconds, a URL or a command to succeed.',
    cacheable: true,
    requiresLock: false,
    builtin: true,
    args: {
      type: 'object',
      properties: {
        seconds: { type: 'integer', minimum: 1, title: 'Seconds', 'x-argv': 'option' },
        retry: { type: 'integer', minimum: 0, default: 30, title: 'Retries', 'x-argv': 'option' },
        retry_wait: { type: 'number', minimum: 0, default: 1, title: 'Retry wait (seconds)', 'x-argv': 'option' },
        insecure: flag('Insecure', 'Skip TLS verification for URLs'),
      },
    },
  },
  {
    verb: 'QUERY',
    summary: 'Collect an argument from every agent into args.query.',
    cacheable: false,
    requiresLock: true,
    builtin: true,
    args: {
      type: 'object',
      required: ['name'],
      properties: {
        no_wait: flag('Do not wait', 'Return without waiting for every agent'),
        name: str('Argument name', { minLength: 1, 'x-argv': 'positional' }),
      },
    },
  },
];

export function mockManifests(): ComponentManifest[] {
  const real = builtinComponents.map((c) => componentManifest(c));
  const verbs = new Set(real.map((m) => m.verb));
  return [...real, ...extra.filter((m) => !verbs.has(m.verb))];
}
