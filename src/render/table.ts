/**
 * Box tables in linear time. cli-table3 lays out every cell against all the rows before it (for
 * row and column spans), which made a 10,000-row table take tens of seconds; cp-plan uses no spans,
 * so this draws the same output (byte for byte: test/unit/table.test.ts holds it to cli-table3) in
 * one pass: measure each cell once, take each column's widest, pad.
 *
 * Cells are text. Control characters in them are written visibly (\x1b, \r), except newlines (a cell
 * of several lines) and the colour sequences chalk writes; a caller quotes a user's text with
 * escapeControls first, so that its newlines and escape sequences are shown, not obeyed.
 */
import { escapeControls } from '../errors.js';

type Align = 'left' | 'right' | 'center';
export type Cell = string | number | null | undefined;

export interface TableOptions {
  head?: Cell[];
  colAligns?: Align[];
  /** cli-table3's style: colour names for the head cells and the borders ([] for none). */
  style?: { head?: string[]; border?: string[] };
  /** cli-table3's border characters to override (COMPACT_CHARS drops the rules between rows). */
  chars?: Partial<Record<CharName, string>>;
}

type CharName =
  | 'top' | 'top-mid' | 'top-left' | 'top-right'
  | 'bottom' | 'bottom-mid' | 'bottom-left' | 'bottom-right'
  | 'left' | 'left-mid' | 'mid' | 'mid-mid' | 'right' | 'right-mid' | 'middle';

const DEFAULT_CHARS: Record<CharName, string> = {
  top: '─', 'top-mid': '┬', 'top-left': '┌', 'top-right': '┐',
  bottom: '─', 'bottom-mid': '┴', 'bottom-left': '└', 'bottom-right': '┘',
  left: '│', 'left-mid': '├', mid: '─', 'mid-mid': '┼', right: '│', 'right-mid': '┤', middle: '│',
};

const COLOURS: Record<string, number> = { black: 30, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, white: 37, gray: 90, grey: 90 };

/** Wraps text in the colours named (as cli-table3's style does); an empty text stays empty. */
function paint(text: string, colours: readonly string[]): string {
  if (text === '') return text;
  let out = text;
  for (const name of colours) {
    const code = COLOURS[name];
    if (code === undefined) throw new Error(`table: unknown colour '${name}'`);
    out = `\x1b[${code}m${out}\x1b[39m`;
  }
  return out;
}

const SGR = /\x1b\[[0-9;]*m/g;

/** A cell's text: control characters shown, except newlines and colour sequences. */
function cellText(value: Cell): string {
  const text = value === null || value === undefined ? '' : String(value);
  if (!/[\x00-\x09\x0b-\x1f\x7f-\x9f]/.test(text)) return text;
  return text.replace(/\x1b\[[0-9;]*m|[\x00-\x09\x0b-\x1f\x7f-\x9f]/g, (c) => (c.length > 1 ? c : escapeControls(c)));
}

/** East Asian wide and fullwidth code points (as is-fullwidth-code-point, which cli-table3's string-width uses). */
function isWide(cp: number): boolean {
  return (
    cp >= 0x1100 &&
    (cp <= 0x115f ||
      cp === 0x2329 ||
      cp === 0x232a ||
      (cp >= 0x2e80 && cp <= 0x3247 && cp !== 0x303f) ||
      (cp >= 0x3250 && cp <= 0x4dbf) ||
      (cp >= 0x4e00 && cp <= 0xa4c6) ||
      (cp >= 0xa960 && cp <= 0xa97c) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe10 && cp <= 0xfe19) ||
      (cp >= 0xfe30 && cp <= 0xfe6b) ||
      (cp >= 0xff01 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1b000 && cp <= 0x1b001) ||
      (cp >= 0x1f200 && cp <= 0x1f251) ||
      (cp >= 0x20000 && cp <= 0x3fffd))
  );
}

/** Columns a line takes on a terminal: colour sequences take none, emoji and wide characters two, combining marks none. */
export function textWidth(line: string): number {
  // eslint-disable-next-line no-control-regex
  if (/^[\x20-\x7e]*$/.test(line)) return line.length;
  const plain = line.replace(SGR, '').replace(/\p{Emoji_Presentation}\uFE0F?/gu, '  ');
  let width = 0;
  for (const ch of plain) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x300 && cp <= 0x36f)) continue;
    width += isWide(cp) ? 2 : 1;
  }
  return width;
}

export class Table {
  private readonly rows: string[][][] = [];
  private readonly head: string[][] | undefined;
  private readonly aligns: readonly Align[];
  private readonly chars: Record<CharName, string>;
  private readonly headColours: readonly string[];
  private readonly borderColours: readonly string[];

  constructor(options: TableOptions = {}) {
    this.head = options.head && options.head.length ? options.head.map((c) => cellText(c).split('\n')) : undefined;
    this.aligns = options.colAligns ?? [];
    this.chars = { ...DEFAULT_CHARS, ...options.chars };
    this.headColours = options.style?.head ?? ['red'];
    this.borderColours = options.style?.border ?? ['grey'];
  }

  push(...rows: Cell[][]): number {
    for (const row of rows) this.rows.push(row.map((c) => cellText(c).split('\n')));
    return this.rows.length;
  }

  get length(): number {
    return this.rows.length;
  }

  toString(): string {
    const all = this.head ? [this.head, ...this.rows] : this.rows;
    const columns = all.reduce((n, row) => Math.max(n, row.length), 0);
    const widths = new Array<number>(columns).fill(0);
    const measured = all.map((row) =>
      row.map((lines, i) => {
        const w = lines.map(textWidth);
        widths[i] = Math.max(widths[i]!, ...w);
        return w;
      }),
    );
    const b = (text: string) => paint(text, this.borderColours);
    const rule = (left: string, fill: string, join: string, right: string) => {
      if (!fill && !left && !join && !right) return undefined;
      return widths.map((w, i) => b((i === 0 ? left : join) + fill.repeat(w + 2) + (i === columns - 1 ? right : ''))).join('');
    };
    const c = this.chars;
    const out: string[] = [];
    const top = rule(c['top-left'], c.top, c['top-mid'], c['top-right']);
    const mid = rule(c['left-mid'], c.mid, c['mid-mid'], c['right-mid']);
    if (top) out.push(top);
    all.forEach((row, r) => {
      if (r > 0 && mid) out.push(mid);
      const isHead = this.head !== undefined && r === 0;
      const height = row.reduce((h, lines) => Math.max(h, lines.length), 1);
      for (let l = 0; l < height; l++) {
        let line = '';
        for (let i = 0; i < columns; i++) {
          const text = row[i]?.[l] ?? '';
          const pad = widths[i]! - (measured[r]![i]?.[l] ?? 0);
          const align = this.aligns[i] ?? 'left';
          const left = align === 'right' ? pad : align === 'center' ? Math.floor(pad / 2) : 0;
          const body = ' ' + ' '.repeat(left) + text + ' '.repeat(pad - left) + ' ';
          line += b(i === 0 ? c.left : c.middle) + (isHead ? paint(body, this.headColours) : body);
        }
        out.push(line + b(c.right));
      }
    });
    const bottom = rule(c['bottom-left'], c.bottom, c['bottom-mid'], c['bottom-right']);
    if (bottom) out.push(bottom);
    return out.join('\n');
  }
}

export default Table;
