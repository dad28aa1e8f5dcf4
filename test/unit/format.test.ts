import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatFlops, formatSeconds, plural } from '../../src/render/format.js';

test('seconds keep three significant digits in the right unit (480 ms is not 48 ms)', () => {
  const cases: [number, string][] = [
    [0.480041, '480 ms'],
    [0.1, '100 ms'],
    [0.25, '250 ms'],
    [0.65044, '650 ms'],
    [77.166, '77.2 s'],
    [1.74, '1.74 s'],
    [120.5, '121 s'],
    [0.000274, '274 µs'],
    [0.0001, '100 µs'],
    [0.9996, '1.00 s'],
    [0.0009996, '1.00 ms'],
    [1234.5, '1,235 s'],
    [0, '0'],
  ];
  for (const [sec, text] of cases) assert.equal(formatSeconds(sec), text, String(sec));
});

test('bytes never print an exponent, even at unit boundaries or huge sizes', () => {
  const cases: [number, string][] = [
    [999.5e6, '1.00 GB'],
    [999.5, '1.00 KB'],
    [64_512, '64.5 KB'],
    [96e9, '96.0 GB'],
    [1.5e21, '1,500 EB'],
    [12, '12.0 B'],
  ];
  for (const [bytes, text] of cases) assert.equal(formatBytes(bytes), text, String(bytes));
  for (const x of [1, 1e3 - 0.4, 1e9 - 1, 1e20, 9.99e17]) assert.doesNotMatch(formatBytes(x), /e[+-]/, String(x));
});

test('FLOPs pick their prefix; counts pluralise', () => {
  assert.equal(formatFlops(4.93e18), '4.93 EFLOP');
  assert.equal(formatFlops(2.57e13), '25.7 TFLOP');
  assert.equal(plural(1, 'token'), '1 token');
  assert.equal(plural(1000, 'token'), '1,000 tokens');
});
