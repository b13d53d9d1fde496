/**
 * The types of the `/ui` request table, apart from the table itself so feature folders
 * (server/inventory, …) can register requests without importing the table that lists them.
 */
import type { Ack, Result } from '../../protocol/result.js';
import type { UiToServerEvents } from '../../protocol/ui-events.js';

type Last<T extends unknown[]> = T extends [...unknown[], infer L] ? L : never;
export type AckValue<E extends keyof UiToServerEvents> = Last<Parameters<UiToServerEvents[E]>> extends Ack<infer T> ? T : never;

/** Who is asking: `console`, `cli`, … (recorded as `requestedBy` of what they submit). */
export type UiCaller = Readonly<{ client: string }>;

export type Body<E extends keyof UiToServerEvents> = (
  payload: unknown,
  caller: UiCaller,
) => Result<AckValue<E>> | Promise<Result<AckValue<E>>>;

export type On = <E extends keyof UiToServerEvents>(event: E, body: Body<E>) => void;
