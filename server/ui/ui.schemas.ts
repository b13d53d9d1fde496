/** Runtime schemas of `/ui` request payloads that protocol/ declares as plain types. */
import { Type } from '@sinclair/typebox';
import { compileValidator } from '../../protocol/validate.js';
import { SourceFileSchema } from '../../protocol/jobs.js';
import { RUN_STATUSES } from '../../protocol/states.js';

const Id = Type.String({ minLength: 1, maxLength: 128 });
const Millis = Type.Number({ minimum: 0 });

export const runIdValidator = compileValidator(Id);
export const jobIdValidator = compileValidator(Id);

export const runFilterValidator = compileValidator(
  Type.Object({
    status: Type.Optional(Type.Union(RUN_STATUSES.map((s) => Type.Literal(s)))),
    target: Type.Optional(Type.String({ maxLength: 253 })),
    verb: Type.Optional(Type.String({ maxLength: 64 })),
    text: Type.Optional(Type.String({ maxLength: 1024 })),
    requestedBy: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    since: Type.Optional(Millis),
    until: Type.Optional(Millis),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    before: Type.Optional(Millis),
    beforeRun: Type.Optional(Id),
  }),
);

export const jobsListValidator = compileValidator(
  Type.Object({
    filter: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failed'), Type.Literal('processing')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    after: Type.Optional(Id),
  }),
);

const Host = Type.String({ minLength: 1, maxLength: 253 });

export const jobPageValidator = compileValidator(
  Type.Object({
    filter: Type.Optional(Type.Union([Type.Literal('success'), Type.Literal('failed'), Type.Literal('processing')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    after: Type.Optional(Id),
  }),
);

export const hostHistoryValidator = compileValidator(
  Type.Object({
    target: Host,
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    before: Type.Optional(Millis),
    beforeRun: Type.Optional(Id),
    failures: Type.Optional(Type.Boolean()),
  }),
);

export const outputSearchValidator = compileValidator(
  Type.Object({
    text: Type.String({ minLength: 1, maxLength: 1000 }),
    since: Type.Optional(Millis),
    host: Type.Optional(Host),
    verb: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    runId: Type.Optional(Id),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  }),
);

export const jobsAwaitValidator = compileValidator(
  Type.Object({
    jobIds: Type.Array(Id, { minItems: 1, maxItems: 20_000 }),
    timeoutMs: Type.Number({ minimum: 0, maximum: 7 * 24 * 3600 * 1000 }),
  }),
);

export const jobsOutputValidator = compileValidator(Type.Object({ jobId: Id, target: Type.String({ minLength: 1, maxLength: 253 }) }));

export const jobsOutputsValidator = compileValidator(Type.Object({ jobId: Id }));

export const runOutputValidator = compileValidator(
  Type.Object({ runId: Id, target: Type.String({ minLength: 1, maxLength: 253 }), after: Type.Optional(Type.Integer({ minimum: 0 })) }),
);

export const analyzeValidator = compileValidator(
  Type.Union([Type.Object({ parentId: Id }), Type.Object({ jobId: Id }), Type.Object({ all: Type.Literal(true) })]),
);

export const subscribeValidator = compileValidator(Type.Object({ outputOf: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }));

export const rerunValidator = compileValidator(
  Type.Object({ runId: Id, failedOnly: Type.Optional(Type.Boolean()), currentInventory: Type.Optional(Type.Boolean()) }),
);

export const libraryIdValidator = compileValidator(Id);

export const librarySettingsValidator = compileValidator(Type.Object({ id: Id, allowSimultaneous: Type.Boolean() }));

export const librarySaveValidator = compileValidator(
  Type.Object({
    id: Type.Optional(Id),
    name: Type.String({ minLength: 1, maxLength: 256 }),
    yaml: Type.String({ maxLength: 4 * 1024 * 1024 }),
    attachments: Type.Optional(
      Type.Array(
        Type.Object({
          pattern: Type.String({ minLength: 1, maxLength: 4096 }),
          files: Type.Array(SourceFileSchema, { minItems: 1, maxItems: 10_000 }),
        }),
        { maxItems: 1000 },
      ),
    ),
    /** Absent: an update keeps the stored setting. */
    allowSimultaneous: Type.Optional(Type.Boolean()),
  }),
);

export const uiAuthValidator = compileValidator(
  Type.Object({ token: Type.String({ maxLength: 1024 }), client: Type.Optional(Type.String({ maxLength: 256 })) }),
);
