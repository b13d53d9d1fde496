/** The `/ui` inventory requests: every payload validated, errors as values. */
import {
  InventoryEditSchema,
  InventoryExportSchema,
  InventoryImportSchema,
  InventoryResolveSchema,
  SmartGroupRemoveSchema,
  SmartGroupSaveSchema,
} from '../../protocol/inventory/wire.js';
import { ok } from '../../protocol/result.js';
import { compileValidator } from '../../protocol/validate.js';
import type { On } from '../ui/ui.request-types.js';
import type { InventoryService } from './inventory.service.js';

export type InventoryRequestDeps = Pick<
  InventoryService,
  'snapshot' | 'resolve' | 'import' | 'export' | 'edit' | 'smartGroups' | 'saveSmartGroup' | 'removeSmartGroup'
>;

const editValidator = compileValidator(InventoryEditSchema);
const importValidator = compileValidator(InventoryImportSchema);
const exportValidator = compileValidator(InventoryExportSchema);
const resolveValidator = compileValidator(InventoryResolveSchema);
const smartSaveValidator = compileValidator(SmartGroupSaveSchema);
const smartRemoveValidator = compileValidator(SmartGroupRemoveSchema);

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
    handle('inventory:smart-list', () => ok(inventory.smartGroups()));
    handle('inventory:smart-save', (payload) => {
      const request = smartSaveValidator.parse(payload, 'inventory:smart-save');
      return request.ok ? inventory.saveSmartGroup(request.value.name, request.value.pattern) : request;
    });
    handle('inventory:smart-remove', (payload) => {
      const request = smartRemoveValidator.parse(payload, 'inventory:smart-remove');
      return request.ok ? inventory.removeSmartGroup(request.value.name) : request;
    });
  };
}
