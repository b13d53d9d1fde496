/** The `/ui` inventory requests: every payload validated, errors as values. */
import {
  InventoryEditSchema,
  InventoryExportSchema,
  InventoryImportSchema,
  InventoryResolveSchema,
} from '../../protocol/inventory/wire.js';
import { ok } from '../../protocol/result.js';
import { compileValidator } from '../../protocol/validate.js';
import type { On } from '../ui/ui.request-types.js';
import type { InventoryService } from './inventory.service.js';

export type InventoryRequestDeps = Pick<InventoryService, 'snapshot' | 'resolve' | 'import' | 'export' | 'edit'>;

const editValidator = compileValidator(InventoryEditSchema);
const importValidator = compileValidator(InventoryImportSchema);
const exportValidator = compileValidator(InventoryExportSchema);
const resolveValidator = compileValidator(InventoryResolveSchema);

/** The `inventory:*` requests, registered on the one request table (ui.requests.ts `extensions`). */
export function inventoryRequests(inventory: InventoryRequestDeps): (handle: On) => void {
  return (handle) => {
    handle('inventory:get', () => ok(inventory.snapshot()));
    handle('inventory:resolve', (payload) => {
      const request = resolveValidator.parse(payload, 'inventory:resolve');
      return request.ok ? inventory.resolve(request.value.patterns) : request;
    });
    handle('inventory:import', (payload) => {
      const request = importValidator.parse(payload, 'inventory:import');
      return request.ok ? inventory.import(request.value) : request;
    });
    handle('inventory:export', (payload) => {
      const request = exportValidator.parse(payload ?? {}, 'inventory:export');
      return request.ok ? inventory.export(request.value) : request;
    });
    handle('inventory:edit', (payload) => {
      const request = editValidator.parse(payload, 'inventory:edit');
      return request.ok ? inventory.edit(request.value.ops) : request;
    });
  };
}
