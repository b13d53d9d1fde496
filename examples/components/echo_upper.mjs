// ECHO_UPPER: an example user component (README "Writing a component").
// Drop this file into DATA_DIR/components/ (or the folder given to --components-dir); the server
// picks it up on the next submission, the console's palette lists it, and each agent receives it
// before its first ECHO_UPPER job:
//   directord exec --verb ECHO_UPPER 'hello {{ name | default("world") }}' --poll
// The default export is a factory: it gets TypeBox's `Type` and `defineComponent`, so the file
// needs no imports and runs unchanged on the server and on every agent.
export default ({ Type, defineComponent }) =>
  defineComponent(
    {
      verb: 'ECHO_UPPER',
      summary: 'Print text in upper case.',
      description: "Renders TEXT with the target's args cache and prints it in upper case (or lower case with --lower).",
      args: Type.Object({
        lower: Type.Boolean({ 'x-argv': 'flag', default: false, title: 'Lower case', description: 'Print in lower case instead.' }),
        text: Type.String({ 'x-argv': 'rest', 'x-metavar': 'TEXT', minLength: 1, title: 'Text', description: 'What to print; may use {{ templates }}.' }),
      }),
      cacheable: true,
      requiresLock: false,
      async run(ctx, fields) {
        const rendered = ctx.render(String(fields.text));
        const text = fields.lower ? rendered.toLowerCase() : rendered.toUpperCase();
        ctx.write('stdout', `${text}\n`);
        return { ok: true, info: text };
      },
    },
    false,
  );
