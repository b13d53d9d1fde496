import { Type } from '@sinclair/typebox';
import { defineComponent } from '../define.js';
import { stringField } from './fields.js';

/** ECHO (spec 4.14, Directord's contributed example component): write the words to stdout. */
export const ECHO = defineComponent({
  verb: 'ECHO',
  summary: 'Write text to the job output.',
  description: 'Writes the text to stdout, unrendered. Useful to check that jobs reach a target.',
  args: Type.Object({
    echo: Type.String({ 'x-argv': 'rest', 'x-metavar': 'WORDS', minLength: 1, title: 'Text', description: 'Text to write.' }),
  }),
  cacheable: true,
  requiresLock: false,
  async run(ctx, fields) {
    const text = stringField(fields, 'echo');
    ctx.write('stdout', `${text}\n`);
    return { ok: true, info: text };
  },
});
