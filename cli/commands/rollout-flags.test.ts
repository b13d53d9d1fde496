import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXIT, isCliError } from '../errors.js';
import { execSubmission } from './exec.js';
import { hasRolloutFlags, rolloutEntryKeys } from './rollout-flags.js';

test("exec's rollout flags become the entry keys the YAML loader reads, with the same values", async () => {
  assert.deepEqual(
    await rolloutEntryKeys({ serial: '1,10%, 50%', maxFailPercentage: '25', pause: '1.5', approve: true, order: 'shuffle' }),
    {
      serial: [1, '10%', '50%'],
      maxFailPercentage: 25,
      pause: 1.5,
      approve: true,
      order: 'shuffle',
    },
  );
  assert.deepEqual(await rolloutEntryKeys({ serial: '25%' }), { serial: '25%' });
  assert.deepEqual(await rolloutEntryKeys({ concurrency: '2' }), { concurrency: 2 });
  assert.equal(hasRolloutFlags({}), false);
  assert.equal(hasRolloutFlags({ approve: true }), true);
  const submission = execSubmission('RUN', 'true', { target: ['a', 'b'] }, await rolloutEntryKeys({ serial: '1' }));
  assert.deepEqual(submission.entries, [{ serial: 1, jobs: [{ verb: 'RUN', text: 'true' }] }], 'one entry, with the keys');
});

test('a bad flag value is a usage error naming the flag', async () => {
  for (const [flags, message] of [
    [{ serial: '0' }, /^--serial: expected a host count/],
    [{ serial: '1,' }, /^--serial: expected a list/],
    [{ maxFailPercentage: 'half' }, /^--max-fail-percentage: expected a number from 0 to 100 \(got "half"\)$/],
    [{ pause: '-2' }, /^--pause: expected seconds/],
    [{ order: 'random' }, /^--order: expected shuffle or inventory/],
    [{ concurrency: '0' }, /^--concurrency: expected a whole number/],
  ] as const) {
    await assert.rejects(
      rolloutEntryKeys(flags),
      (error: unknown) => isCliError(error) && message.test(error.message) && error.exitCode === EXIT.usage,
    );
  }
});
