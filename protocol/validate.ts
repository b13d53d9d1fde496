/** Runtime checks of wire payloads against their TypeBox schemas (validate once, at the edge). */
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { fail, type Result, ok } from './result.js';

export type Validator<T> = Readonly<{ check(value: unknown): value is T; parse(value: unknown, what: string): Result<T> }>;

/** Compiles a schema once; `parse` returns `invalid-payload` naming the first bad field. */
export function compileValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    check: (value: unknown): value is Static<S> => compiled.Check(value),
    parse(value: unknown, what: string): Result<Static<S>> {
      if (compiled.Check(value)) return ok(value);
      const first = compiled.Errors(value).First();
      const field = first?.path ? first.path.replace(/^\//, '').replaceAll('/', '.') : '';
      return fail('invalid-payload', `${what}: ${field ? `field ${field}: ` : ''}${first?.message ?? 'invalid'}`, {
        location: field ? { field } : undefined,
      });
    },
  };
}
