/** The `--chown` and `--chmod` options WORKDIR, ADD and COPY share (same parsing, same form fields). */
import { Type } from '@sinclair/typebox';

export function chownOption(description: string) {
  return Type.Optional(
    Type.String({
      'x-argv': 'option',
      'x-metavar': 'USER[:GROUP]',
      pattern: '^[^:\\s]+(:[^:\\s]+)?$',
      'x-pattern-hint': 'expects USER or USER:GROUP',
      title: 'Owner',
      description,
    }),
  );
}

/** `example` is the mode shown in hints (0755 for directories, 0644 for files). */
export function chmodOption(example: string, description: string) {
  return Type.Optional(
    Type.Union(
      [
        Type.String({ pattern: '^0?[0-7]{3,4}$', 'x-pattern-hint': `expects an octal mode such as ${example}` }),
        Type.Integer({ minimum: 0, maximum: 0o7777 }),
      ],
      { 'x-argv': 'option', 'x-metavar': 'OCTAL', title: 'Mode', description },
    ),
  );
}
