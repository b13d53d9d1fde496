import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextTheme, parseTheme } from './theme.js';

test('theme choices: unknown stored values mean system; the toggle cycles system → light → dark', () => {
  assert.equal(parseTheme(null), 'system');
  assert.equal(parseTheme('purple'), 'system');
  assert.equal(parseTheme('light'), 'light');
  assert.equal(nextTheme('system'), 'light');
  assert.equal(nextTheme('light'), 'dark');
  assert.equal(nextTheme('dark'), 'system');
});
