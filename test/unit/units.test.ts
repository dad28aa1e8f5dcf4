import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.js';
import { parseByteSizes, parseBytes, parsePositiveInt, parseTokenCount, parseTokenCountOrZero } from '../../src/units.js';

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
  for (const bad of [
    '1Mb',
    '12 K',
    ' 12K',
    '-5',
    '0',
    '1e400',
    'NaN',
    '0x10',
    '',
    'K',
    '1.0001K',
    '1.5',
    '1000000.5',
    '1.0000001M',
    '0.3Ki',
    '99999999999G',
    '1iK',
  ]) {
    assert.throws(
      () => parseTokenCount(bad, '--ctx'),
      (e: unknown) => e instanceof InputError && e.message.startsWith('--ctx'),
      bad,
    );
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

test('message sizes: K, M, G are powers of 1024, as nccl-tests -b/-e read them; B and i are optional', () => {
  assert.equal(parseBytes('8', '--bytes'), 8);
  assert.equal(parseBytes('32K', '--bytes'), 32768);
  assert.equal(parseBytes('32k', '--bytes'), 32768);
  assert.equal(parseBytes('256MiB', '--bytes'), 256 * 2 ** 20);
  assert.equal(parseBytes('256M', '--bytes'), 256 * 2 ** 20);
  assert.equal(parseBytes('1GB', '--bytes'), 2 ** 30);
  assert.equal(parseBytes('1G', '--bytes'), 2 ** 30);
  assert.equal(parseBytes('1.5K', '--bytes'), 1536);
  assert.deepEqual(parseByteSizes('8..1G', '--bytes').slice(-2), [2 ** 29, 2 ** 30]);
  assert.equal(parseByteSizes('8..1G', '--bytes').length, 28);
  for (const bad of ['1.3K', '0', '1Mb/s', '1T', '-8', 'K']) assert.throws(() => parseBytes(bad, '--bytes'), InputError, bad);
});
