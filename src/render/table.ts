/**
 * Box tables drawn by cli-table3, in time linear in the rows. cli-table3 lays out every cell against all
 * the rows before it (for row and column spans), so one table of 10,000 rows took tens of seconds. cp-plan
 * uses no spans: this measures each column once, then has cli-table3 draw the rows in blocks of
 * BLOCK_ROWS with those fixed widths and joins the blocks (each block's bottom border dropped, the next
 * block's top border turned into the rule between rows). The output is what one cli-table3 table draws,
 * byte for byte (test/unit/table.test.ts).
 *
 * Cells are text. Control characters in them are written visibly (\x1b, \r), except newlines (a cell
 * of several lines) and the colour sequences chalk writes; a caller quotes a user's text with
 * escapeControls first, so that its newlines and escape sequences are shown, not obeyed.
 */
import CliTable from 'cli-table3';
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
  | 'top'
  | 'top-mid'
  | 'top-left'
  | 'top-right'
  | 'bottom'
  | 'bottom-mid'
  | 'bottom-left'
  | 'bottom-right'
  | 'left'
  | 'left-mid'
  | 'mid'
  | 'mid-mid'
  | 'right'
  | 'right-mid'
  | 'middle';

const DEFAULT_CHARS: Record<CharName, string> = {
  top: '─',
  'top-mid': '┬',
  'top-left': '┌',
  'top-right': '┐',
  bottom: '─',
  'bottom-mid': '┴',
  'bottom-left': '└',
  'bottom-right': '┘',
  left: '│',
  'left-mid': '├',
  mid: '─',
  'mid-mid': '┼',
  right: '│',
  'right-mid': '┤',
  middle: '│',
};

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

/** Rows per cli-table3 table: its layout is quadratic in rows, so blocks keep the whole linear. */
const BLOCK_ROWS = 100;

export class Table {
  private readonly rows: string[][] = [];
  private readonly head: string[] | undefined;
  private readonly options: TableOptions;

  constructor(options: TableOptions = {}) {
    this.head = options.head?.length ? options.head.map(cellText) : undefined;
    this.options = options;
  }

  push(...rows: Cell[][]): number {
    for (const row of rows) this.rows.push(row.map(cellText));
    return this.rows.length;
  }

  get length(): number {
    return this.rows.length;
  }

  toString(): string {
    if (this.rows.length <= BLOCK_ROWS) return this.draw(this.rows, true, undefined).join('\n');
    // Every block gets the widths of the whole table (cli-table3's colWidths count the padding of 2).
    const all = this.head ? [this.head, ...this.rows] : this.rows;
    const columns = all.reduce((n, row) => Math.max(n, row.length), 0);
    const widths = new Array<number>(columns).fill(0);
    for (const row of all) row.forEach((cell, i) => (widths[i] = Math.max(widths[i]!, ...cell.split('\n').map(textWidth))));
    const colWidths = widths.map((w) => w + 2);
    const c = { ...DEFAULT_CHARS, ...this.options.chars };
    const ruled = c.mid !== '' || c['left-mid'] !== '' || c['mid-mid'] !== '' || c['right-mid'] !== '';
    const out: string[] = [];
    for (let i = 0; i < this.rows.length; i += BLOCK_ROWS) {
      const first = i === 0;
      const last = i + BLOCK_ROWS >= this.rows.length;
      let lines = this.draw(this.rows.slice(i, i + BLOCK_ROWS), first, colWidths);
      if (!last) lines = lines.slice(0, -1); // the bottom border
      if (!first) lines = ruled ? lines : lines.slice(1); // the top border, drawn as the rule between rows when there is one
      out.push(...lines);
    }
    return out.join('\n');
  }

  /** One cli-table3 table of these rows (with the head on the first), its lines. */
  private draw(rows: readonly string[][], withHead: boolean, colWidths: number[] | undefined): string[] {
    const o = this.options;
    const chars = { ...o.chars };
    const c = { ...DEFAULT_CHARS, ...o.chars };
    if (!withHead && (c.mid !== '' || c['left-mid'] !== '' || c['mid-mid'] !== '' || c['right-mid'] !== '')) {
      // A continuation block of a ruled table: its top border is the rule between rows.
      Object.assign(chars, { top: c.mid, 'top-left': c['left-mid'], 'top-mid': c['mid-mid'], 'top-right': c['right-mid'] });
    }
    const t = new CliTable({
      head: withHead && this.head ? this.head : [],
      ...(o.colAligns ? { colAligns: o.colAligns } : {}),
      style: { head: o.style?.head ?? ['red'], border: o.style?.border ?? ['grey'] },
      chars,
      ...(colWidths ? { colWidths } : {}),
    });
    t.push(...rows);
    return t.toString().split('\n');
  }
}

export default Table;
