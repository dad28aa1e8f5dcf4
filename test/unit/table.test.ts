// The table (src/render/table.ts: cli-table3 in blocks) draws what one cli-table3 table draws, byte for byte, for every
// option cp-plan uses. (Its speed is measured by npm run bench, not here.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import CliTable from 'cli-table3';
import { Table, textWidth } from '../../src/render/table.js';
import { COMPACT_CHARS, tableStyle } from '../../src/render/color.js';

/** mulberry32, seeded. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PLAIN = ['a', 'TTFT', '1.23 s', 'µs', '± 1 s.e.', '≥', '中文', 'é', '', 'multi\nline', 'Measured ms'];
const PIECES = [
  'a',
  'TTFT',
  '1.23 s',
  '+87.7%',
  'µs',
  '± 1 s.e.',
  '≥',
  '中文',
  'é',
  '',
  ' ',
  'multi\nline',
  '\x1b[32mpass\x1b[39m',
  '\x1b[1mTTFT\x1b[22m',
  'llama3-70b',
  '12,345',
];

describe('table: the same output as cli-table3', () => {
  test('300 random tables, with and without colour, compact and ruled', () => {
    const next = rng(17);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
    for (let n = 0; n < 300; n++) {
      const columns = 1 + Math.floor(next() * 6);
      const colour = next() < 0.5;
      const options = {
        // Heads are plain text in cp-plan (cli-table3 re-opens its head colour after a coloured piece).
        head: next() < 0.85 ? Array.from({ length: columns }, () => pick(PLAIN)) : [],
        colAligns: Array.from({ length: columns }, () => pick(['left', 'right'] as const)),
        style: tableStyle(colour),
        ...(next() < 0.7 ? { chars: COMPACT_CHARS } : {}),
      };
      const rows = Array.from({ length: Math.floor(next() * 6) }, () =>
        Array.from({ length: columns }, () => (next() < 0.1 ? Math.round(next() * 1000) : pick(PIECES))),
      );
      const theirs = new CliTable(options as never);
      const ours = new Table(options);
      for (const row of rows) {
        theirs.push(row as never);
        ours.push(row);
      }
      if (rows.length === 0 && options.head.length === 0) continue; // cli-table3 draws a lone border; cp-plan never asks
      assert.equal(ours.toString(), theirs.toString(), JSON.stringify({ options, rows }));
    }
  });

  test('a table of more rows than one cli-table3 block is drawn whole, as one cli-table3 table would', () => {
    const next = rng(5);
    for (const chars of [COMPACT_CHARS, undefined]) {
      for (const count of [100, 101, 250, 1001]) {
        const options = {
          head: ['Name', 'Value', 'Note'],
          colAligns: ['left', 'right', 'left'] as ('left' | 'right')[],
          style: tableStyle(false),
          ...(chars ? { chars } : {}),
        };
        const theirs = new CliTable(options as never);
        const ours = new Table(options);
        for (let i = 0; i < count; i++) {
          const row = [`row ${i}`, Math.round(next() * 10 ** (1 + Math.floor(next() * 6))), next() < 0.05 ? 'two\nlines' : 'x'.repeat(Math.floor(next() * 12))];
          theirs.push(row as never);
          ours.push(row);
        }
        assert.equal(ours.toString(), theirs.toString(), `${count} rows, ${chars ? 'compact' : 'ruled'}`);
      }
    }
  });

  test('control characters in a cell are shown, not obeyed; a colour sequence and a newline are kept', () => {
    const t = new Table({ head: ['x'], style: tableStyle(false), chars: COMPACT_CHARS });
    t.push(['a\rb\x1b]0;title\x07\x9b2J'], ['\x1b[32mok\x1b[39m']);
    const text = t.toString();
    assert.ok(text.includes('a\\rb\\x1b]0;title\\x07\\x9b2J'), text);
    assert.ok(text.includes('\x1b[32mok\x1b[39m'));
    assert.doesNotMatch(text.replace(/\x1b\[[0-9;]*m/g, ''), /[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });

  test('width: colour takes none, wide characters and emoji two', () => {
    assert.equal(textWidth('\x1b[31mab\x1b[39m'), 2);
    assert.equal(textWidth('中'), 2);
    assert.equal(textWidth('✅ pass'), 7);
    assert.equal(textWidth('µs'), 2);
  });
});
