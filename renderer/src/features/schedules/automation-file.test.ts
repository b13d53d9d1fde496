import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitAutomation, withAutomation } from './automation-file.js';

const YAML = '- jobs:\n  - RUN: echo hi\n';
const A = {
  schedules: [{ name: 'nightly', cron: '0 3 * * *', misfire: 'skip' as const, overlap: 'skip' as const }],
  notifications: [],
  triggers: [{ name: 'ci' }],
};

test('export and import round-trip the automation; a file without it is the plain YAML', () => {
  const file = withAutomation(YAML, A);
  assert.ok(file.startsWith(YAML));
  assert.match(file, /\n# directord-automation: \{.*\}\n$/);
  assert.deepEqual(splitAutomation(file), { yaml: YAML, automation: A });
  assert.equal(withAutomation(YAML, { schedules: [], notifications: [], triggers: [] }), YAML);
  assert.deepEqual(splitAutomation(YAML), { yaml: YAML, automation: null });
  assert.deepEqual(splitAutomation(`${YAML}# directord-automation: {not json\n`), { yaml: YAML, automation: null });
});

test("an item's allowSimultaneous setting travels in the automation line, alone or with the rest", () => {
  const only = { schedules: [], notifications: [], triggers: [], settings: { allowSimultaneous: true } };
  const file = withAutomation(YAML, only);
  assert.notEqual(file, YAML, 'a setting alone still writes the line');
  assert.deepEqual(splitAutomation(file), { yaml: YAML, automation: only });
  assert.deepEqual(splitAutomation(withAutomation(YAML, { ...A, settings: { allowSimultaneous: true } })).automation?.settings, {
    allowSimultaneous: true,
  });
  // A file written before settings existed imports with none (the item keeps the default).
  assert.equal(splitAutomation(withAutomation(YAML, A)).automation?.settings, undefined);
});
