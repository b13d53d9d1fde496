import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSmtpUrl, smtpServerOptions } from './smtp-option.js';

test('--smtp-url: host, port defaults by scheme, credentials decoded; --smtp-from wins', () => {
  assert.deepEqual(parseSmtpUrl('smtp://mail.example.test'), {
    host: 'mail.example.test',
    port: 587,
    secure: false,
    from: 'directord@mail.example.test',
  });
  assert.deepEqual(parseSmtpUrl('smtps://ops%40x:p%3Ass@127.0.0.1:2465'), {
    host: '127.0.0.1',
    port: 2465,
    secure: true,
    from: 'directord@127.0.0.1',
    user: 'ops@x',
    pass: 'p:ss',
  });
  assert.throws(() => parseSmtpUrl('http://mail.example.test'), /smtp:\/\/ or smtps:\/\//);
  assert.throws(() => parseSmtpUrl('not a url'), /expected smtp/);
  assert.deepEqual(smtpServerOptions({}), {});
  assert.equal(
    smtpServerOptions({ smtpUrl: parseSmtpUrl('smtp://h:25'), smtpFrom: 'ci@example.test' }).notify?.smtp.from,
    'ci@example.test',
  );
});
