import assert from 'node:assert/strict';
import { test } from 'node:test';
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
