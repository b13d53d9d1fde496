import { Type } from '@sinclair/typebox';
import { ArgumentError, defineComponent } from '../define.js';
import { choiceField, optionalStringField, stringArrayField } from './fields.js';
import { exclusiveOption, rejectOptionLike, shellQuote } from './host.js';
import { noTlsVerifyArg, podmanCommand, requirePodman, runAll, socketPathArg } from './podman.js';

const ACTIONS = ['pull', 'push', 'tag', 'list', 'inspect'] as const;

/**
 * CONTAINER_IMAGE (spec 4.19) over the podman CLI (see podman.ts). Exactly one action:
 * - `--pull IMAGE…` → `podman pull [--tls-verify=false] IMAGE` per image;
 * - `--push IMAGE…` → `podman push [--tls-verify=false] IMAGE` per image;
 * - `--tag SOURCE TARGET` → `podman tag SOURCE TARGET`;
 * - `--list` → `podman images --format json`;
 * - `--inspect IMAGE…` → `podman image inspect IMAGE…`.
 * Image counts are checked at parse time (tag exactly 2, list none, the others at least 1).
 * Pulls and pushes go on after a failed image and fail the job at the end, naming the failed
 * commands (Directord's error path read a `pod_action` key that does not exist: bug 9.10).
 * Job fields: `action`, `images`, `tlsverify`, then `socket_path` when given.
 */
export const CONTAINER_IMAGE = defineComponent({
  verb: 'CONTAINER_IMAGE',
  summary: 'Pull, push, tag, list or inspect container images with podman.',
  description:
    'Runs one podman image action on the target: --pull or --push images, --tag SOURCE TARGET, --list all images, or ' +
    '--inspect images. Needs podman on the target.',
  args: Type.Object({
    pull: Type.Boolean({ 'x-argv': 'flag', default: false, title: 'Pull', description: 'Pull the images from their registries.' }),
    push: Type.Boolean({ 'x-argv': 'flag', default: false, title: 'Push', description: 'Push the images to their registries.' }),
    tag: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'Tag',
      description: 'Give image SOURCE the additional name TARGET (exactly 2 images).',
    }),
    list: Type.Boolean({
      'x-argv': 'flag',
      default: false,
      title: 'List',
      description: 'List every image on the target as JSON (no images).',
    }),
    inspect: Type.Boolean({ 'x-argv': 'flag', default: false, title: 'Inspect', description: "Print the images' details as JSON." }),
    no_tlsverify: noTlsVerifyArg,
    socket_path: socketPathArg,
    images: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        'x-argv': 'positionals',
        'x-metavar': 'IMAGE',
        title: 'Images',
        description: 'Image references, e.g. quay.io/podman/hello:latest.',
      }),
    ),
  }),
  cacheable: true,
  requiresLock: false,
  toJob(parsed) {
    const action = exclusiveOption('CONTAINER_IMAGE', parsed, ACTIONS, true) ?? 'list';
    const images = parsed.images ?? [];
    rejectOptionLike('CONTAINER_IMAGE', 'images', 'image', images);
    if (action === 'tag' && images.length !== 2) {
      throw new ArgumentError(`CONTAINER_IMAGE: --tag needs exactly 2 images (SOURCE TARGET), got ${images.length}`, 'images');
    }
    if (action === 'list' && images.length > 0) throw new ArgumentError('CONTAINER_IMAGE: --list takes no images', 'images');
    if (action !== 'tag' && action !== 'list' && images.length === 0) {
      throw new ArgumentError(`CONTAINER_IMAGE: --${action} needs at least one image`, 'images');
    }
    return {
      action,
      images,
      tlsverify: !parsed.no_tlsverify,
      ...(parsed.socket_path !== undefined ? { socket_path: parsed.socket_path } : {}),
    };
  },
  async run(ctx, fields) {
    const action = choiceField(fields, 'action', ACTIONS);
    const images = stringArrayField(fields, 'images');
    const podman = podmanCommand(optionalStringField(fields, 'socket_path'));
    const tls = fields.tlsverify === false ? ' --tls-verify=false' : '';
    let commands: string[];
    switch (action) {
      case 'pull':
      case 'push':
        if (images.length === 0) throw new TypeError(`job field images must not be empty for ${action}`);
        commands = images.map((image) => `${podman} ${action}${tls} ${shellQuote(image)}`);
        break;
      case 'tag':
        if (images.length !== 2) throw new TypeError('job field images must hold 2 images for tag');
        commands = [`${podman} tag ${images.map(shellQuote).join(' ')}`];
        break;
      case 'list':
        commands = [`${podman} images --format json`];
        break;
      case 'inspect':
        if (images.length === 0) throw new TypeError('job field images must not be empty for inspect');
        commands = [`${podman} image inspect ${images.map(shellQuote).join(' ')}`];
    }
    const missing = await requirePodman(ctx);
    if (missing) return missing;
    return runAll(ctx, commands);
  },
});
