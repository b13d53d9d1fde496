import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rovingIndex } from './roving.js';

test('arrows move and wrap, Home/End jump, other keys are not handled', () => {
  assert.equal(rovingIndex('ArrowDown', 0, 3), 1);
  assert.equal(rovingIndex('ArrowDown', 2, 3), 0);
  assert.equal(rovingIndex('ArrowUp', 0, 3), 2);
  assert.equal(rovingIndex('ArrowLeft', 1, 3), 0);
  assert.equal(rovingIndex('Home', 2, 3), 0);
  assert.equal(rovingIndex('End', 0, 3), 2);
  assert.equal(rovingIndex('Enter', 0, 3), null);
  assert.equal(rovingIndex('ArrowDown', 0, 0), null);
});
