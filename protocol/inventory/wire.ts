/** The `/ui` inventory requests: edits, import, export and pattern previews (schemas and types). */
import { Type, type Static } from '@sinclair/typebox';

/** Host and group names: what an agent identity may be (group names without `:` or `@`). */
export const HostNameSchema = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_.:@-]+$' });
export const GroupNameSchema = Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9_.-]+$' });
export const LabelKeySchema = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_./-]+$' });
const LabelValue = Type.String({ maxLength: 1024 });
const Vars = Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.Unknown());
/** A target pattern (see protocol/inventory/pattern.ts). */
export const PatternSchema = Type.String({ minLength: 1, maxLength: 4096 });

const Ssh = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 253 }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  user: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
});
const Names = Type.Array(HostNameSchema, { maxItems: 100_000 });
const Groups = Type.Array(GroupNameSchema, { maxItems: 10_000 });
const Owner = Type.Union([Type.Object({ host: HostNameSchema }), Type.Object({ group: GroupNameSchema })]);

export const InventoryOpSchema = Type.Union([
  Type.Object({
    op: Type.Literal('add-host'),
    name: HostNameSchema,
    labels: Type.Optional(Type.Record(LabelKeySchema, LabelValue)),
    vars: Type.Optional(Vars),
    ssh: Type.Optional(Ssh),
  }),
  Type.Object({ op: Type.Literal('remove-host'), name: HostNameSchema }),
  Type.Object({ op: Type.Literal('add-group'), name: GroupNameSchema, vars: Type.Optional(Vars) }),
  Type.Object({ op: Type.Literal('remove-group'), name: GroupNameSchema }),
  /** Creates the group when missing; hosts not known yet are declared. */
  Type.Object({ op: Type.Literal('add-to-group'), group: GroupNameSchema, hosts: Type.Optional(Names), children: Type.Optional(Groups) }),
  Type.Object({
    op: Type.Literal('remove-from-group'),
    group: GroupNameSchema,
    hosts: Type.Optional(Names),
    children: Type.Optional(Groups),
  }),
  /** `value: null` removes the label. */
  Type.Object({ op: Type.Literal('set-label'), hosts: Names, key: LabelKeySchema, value: Type.Union([LabelValue, Type.Null()]) }),
  /** Replaces every var of a host or group: `vars`, or `yaml` (a mapping) as written in the console's editor. */
  Type.Object({
    op: Type.Literal('set-vars'),
    owner: Owner,
    vars: Type.Optional(Vars),
    yaml: Type.Optional(Type.String({ maxLength: 1024 * 1024 })),
  }),
  /** One var; without `value` it is removed. */
  Type.Object({
    op: Type.Literal('set-var'),
    owner: Owner,
    key: Type.String({ minLength: 1, maxLength: 256 }),
    value: Type.Optional(Type.Unknown()),
  }),
]);
export type InventoryOp = Static<typeof InventoryOpSchema>;

export const InventoryEditSchema = Type.Object({ ops: Type.Array(InventoryOpSchema, { minItems: 1, maxItems: 10_000 }) });
export type InventoryEdit = Static<typeof InventoryEditSchema>;

export const INVENTORY_FORMATS = ['auto', 'ini', 'yaml', 'json', 'directord'] as const;
export type InventoryFormat = (typeof INVENTORY_FORMATS)[number];

export const InventoryImportSchema = Type.Object({
  /** The file's name, for errors (`hosts.ini:12: …`) and to guess the format. */
  fileName: Type.String({ minLength: 1, maxLength: 4096 }),
  text: Type.String({ maxLength: 32 * 1024 * 1024 }),
  format: Type.Optional(Type.Union(INVENTORY_FORMATS.map((f) => Type.Literal(f)))),
  /** Replace the whole inventory instead of merging into it. */
  replace: Type.Optional(Type.Boolean()),
});
export type InventoryImport = Static<typeof InventoryImportSchema>;

export const InventoryExportSchema = Type.Object({ format: Type.Optional(Type.Union([Type.Literal('yaml'), Type.Literal('json')])) });
export type InventoryExport = Static<typeof InventoryExportSchema>;

export const InventoryResolveSchema = Type.Object({ patterns: Type.Array(PatternSchema, { minItems: 1, maxItems: 1000 }) });
export type InventoryResolve = Static<typeof InventoryResolveSchema>;

/** What an import or edit did, by name. */
export type InventoryChanges = Readonly<{
  hosts: Readonly<{ added: readonly string[]; changed: readonly string[]; removed: readonly string[] }>;
  groups: Readonly<{ added: readonly string[]; changed: readonly string[]; removed: readonly string[] }>;
}>;
