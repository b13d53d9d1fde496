import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTextMasker } from '../../protocol/secret-mask.js';
import { redactParams } from './redact.js';

test('the audit log keeps no credential: secret fields, a Slack URL whole, other URLs past their path', () => {
  const text = redactParams({
    name: 'n',
    password: 'hunter2',
    channel: { kind: 'webhook', url: 'https://ci.example/hook?token=abc#x', secret: 's3cret' },
    slack: { kind: 'slack', url: 'https://hooks.slack.com/services/T0/B0/XYZ' },
    plain: { kind: 'webhook', url: 'https://ci.example/hook' },
  });
  for (const secret of ['hunter2', 's3cret', 'token=abc', 'XYZ']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
  assert.match(text, /"url":"https:\/\/ci\.example\/hook\?\[redacted\]"/);
  assert.match(text, /"url":"https:\/\/ci\.example\/hook"/);
});

test('a secret value is masked before a long text is cut, so no part of it stays', () => {
  const value = 'SECRETVALUE-0123456789';
  const mask = createTextMasker([{ name: 'TOKEN', value }]);
  // The value (22 characters) crosses a text's 2000-character cut; its mask (14) does not.
  const text = redactParams({ text: `${'x'.repeat(1980)}${value}` }, mask);
  for (const part of ['SECRETVAL', '0123456789']) assert.ok(!text.includes(part), `a part of the value in ${text.slice(1900, 2100)}`);
  assert.match(text, /\[secret:TOKEN\]/);
});
