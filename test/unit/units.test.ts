import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { parsePositiveInt, parseTokenCount, parseTokenCountOrZero } from '../../src/units.js';

test('token counts: SI suffixes are powers of ten, as the paper uses them', () => {
  assert.equal(parseTokenCount('128000', '--ctx'), 128000);
  assert.equal(parseTokenCount('128K', '--ctx'), 128000);
  assert.equal(parseTokenCount('128k', '--ctx'), 128000);
  assert.equal(parseTokenCount('1M', '--ctx'), 1_000_000);
  assert.equal(parseTokenCount('1.5M', '--ctx'), 1_500_000);
  assert.equal(parseTokenCount('2G', '--ctx'), 2e9);
});

test('token counts: Ki/Mi/Gi are powers of two', () => {
  assert.equal(parseTokenCount('128Ki', '--ctx'), 131072);
  assert.equal(parseTokenCount('1Mi', '--ctx'), 1_048_576);
  assert.equal(parseTokenCount('0.5Ki', '--ctx'), 512);
});

test('token counts: malformed, fractional, non-positive and huge values are input errors naming the flag', () => {
  for (const bad of ['1Mb', '12 K', ' 12K', '-5', '0', '1e400', 'NaN', '0x10', '', 'K', '1.0001K', '1.5', '1000000.5', '1.0000001M', '0.3Ki', '99999999999G', '1iK']) {
    assert.throws(() => parseTokenCount(bad, '--ctx'), (e: unknown) => e instanceof InputError && e.message.startsWith('--ctx'), bad);
  }
});

test('cached tokens may be zero; positive integers reject zero, signs and decimals', () => {
  assert.equal(parseTokenCountOrZero('0', '--cached'), 0);
  assert.equal(parseTokenCountOrZero('124800', '--cached'), 124800);
  assert.equal(parsePositiveInt('16', '--nodes'), 16);
  for (const bad of ['0', '-1', '1.5', '+2', 'two', '', '1e3']) {
    assert.throws(() => parsePositiveInt(bad, '--nodes'), InputError, bad);
  }
});
