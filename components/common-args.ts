/**
 * Options every component accepts (spec 4.2), declared once. The `x-argv` / `x-flag`
 * keywords tell `parse.ts` how each is written in a job string; `title`, `description`
 * and `default` are the console's form and the `--exec-help` text.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import type { Component } from './define.js';

/** Directord's default `--timeout`, in seconds. */
export const DEFAULT_TIMEOUT = 600;

export const CommonArgsSchema = Type.Object({
  exec_help: Type.Boolean({
    'x-argv': 'flag',
    default: false,
    title: 'Show help',
    description: "Print this component's usage and options instead of submitting the job.",
  }),
  skip_cache: Type.Boolean({
    'x-argv': 'flag',
    default: false,
    title: 'Skip cache',
    description: 'Run the job even when the target already ran an identical job successfully.',
  }),
  run_once: Type.Boolean({
    'x-argv': 'flag',
    default: false,
    title: 'Run once',
    description: 'Send the job to the first target only.',
  }),
  timeout: Type.Number({
    'x-argv': 'option',
    default: DEFAULT_TIMEOUT,
    exclusiveMinimum: 0,
    title: 'Timeout (seconds)',
    description: 'Fail the job when the component runs longer than this.',
  }),
  force_lock: Type.Boolean({
    'x-argv': 'flag',
    default: false,
    title: 'Force lock',
    description: 'Accepted for compatibility with Directord; it has no effect.',
  }),
  stdout_arg: Type.Optional(
    Type.String({
      'x-argv': 'option',
      minLength: 1,
      title: 'Store stdout as',
      description: "Store the job's stripped stdout in the target's args cache under this name.",
    }),
  ),
  stderr_arg: Type.Optional(
    Type.String({
      'x-argv': 'option',
      minLength: 1,
      title: 'Store stderr as',
      description: "Store the job's stripped stderr in the target's args cache under this name.",
    }),
  ),
});

export type CommonArgs = Static<typeof CommonArgsSchema>;

/** The common options for one component: its `timeoutDefault` replaces 600. */
export function commonArgsFor(component: Pick<Component, 'timeoutDefault'>): TObject {
  const timeoutDefault = component.timeoutDefault;
  if (timeoutDefault === undefined || timeoutDefault === DEFAULT_TIMEOUT) return CommonArgsSchema;
  return Type.Object({
    ...CommonArgsSchema.properties,
    timeout: Type.Number({ ...CommonArgsSchema.properties.timeout, default: timeoutDefault }),
  });
}
