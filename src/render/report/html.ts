import type { Provenance } from '../../model/types.js';
import { footnotes } from '../warnings.js';

/**
 * The HTML report's page and its parts: one self-contained file (inline CSS,
 * inline SVG, a few lines of optional inline script), light and dark colour
 * schemes, print CSS. Pure: the same input gives the same bytes.
 */

/** Text for HTML: control characters shown escaped (\x1b), then HTML-escaped. Every user string goes through it. */
export function text(s: string): string {
  return s
    .replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A command line as a shell would take it back: words with spaces or shell characters single-quoted. */
export function commandLine(words: readonly string[]): string {
  const quote = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);
  return ['cp-plan', ...words.map(quote)].join(' ');
}

/** A table cell: plain text (escaped here), or HTML with a sort value. */
export type Cell = string | { html: string; v?: number | string; cls?: string };

export interface Column<T> {
  head: string;
  cell: (row: T) => Cell;
  /** Right-aligned (numbers). */
  num?: boolean;
}

/** A table with <th scope> headers; sortable ones sort by clicking a header (inline script, optional). */
export function table<T>(
  rows: readonly T[],
  cols: readonly Column<T>[],
  opts: { caption?: string; sortable?: boolean; rowClass?: (r: T) => string } = {},
): string {
  const head = cols.map((c) => `<th scope="col"${c.num ? ' class="num"' : ''}>${text(c.head)}</th>`).join('');
  const body = rows
    .map((r) => {
      const cls = opts.rowClass?.(r);
      const cells = cols.map((c) => {
        const v = c.cell(r);
        if (typeof v === 'string') return `<td${c.num ? ' class="num"' : ''}>${text(v)}</td>`;
        const classes = [c.num ? 'num' : '', v.cls ?? ''].filter(Boolean).join(' ');
        return `<td${classes ? ` class="${classes}"` : ''}${v.v === undefined ? '' : ` data-v="${text(String(v.v))}"`}>${v.html}</td>`;
      });
      return `<tr${cls ? ` class="${cls}"` : ''}>${cells.join('')}</tr>`;
    })
    .join('\n');
  return (
    `<div class="scroll"><table${opts.sortable ? ' class="sortable"' : ''}>${opts.caption ? `<caption>${text(opts.caption)}</caption>` : ''}` +
    `<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody></table></div>`
  );
}

/** A table of label/value pairs, the label a row header. */
export function facts(pairs: readonly (readonly [string, string])[]): string {
  return `<table class="facts"><tbody>${pairs.map(([k, v]) => `<tr><th scope="row">${text(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

/** Where a number comes from, as a coloured tag. */
export function provenanceTag(p: Provenance | string): string {
  return `<span class="prov prov-${text(p)}">${text(p)}</span>`;
}

/** A headline figure: what it is, its value, and a line on where it comes from. */
export function figure(label: string, value: string, note = ''): string {
  return `<div class="fig"><div class="fig-label">${text(label)}</div><div class="fig-value">${text(value)}</div>${note ? `<div class="fig-note">${note}</div>` : ''}</div>`;
}

/**
 * Warnings beside a table's rows: each distinct warning numbered once (as under the terminal tables), a row's
 * cell gives its numbers and links to the numbered list; the list goes under the table. `prefix` keeps ids unique on one page.
 */
export function warningNotes<T>(rows: readonly T[], warningsOf: (row: T) => readonly string[], prefix: string) {
  const notes = footnotes(rows.map(warningsOf));
  const numbers = new Map(rows.map((r, k) => [r, (notes.indices[k] ?? []).map((n) => n + 1).sort((a, b) => a - b)]));
  return {
    /** The table column: a row's warning numbers ("[1,3]"), a link to the notes. */
    column: {
      head: 'Warnings',
      cell: (r: T) => {
        const ns = numbers.get(r) ?? [];
        return { html: ns.length ? `<a href="#${prefix}-warnings">[${ns.join(',')}]</a>` : '', v: ns.length };
      },
    },
    /** The numbered notes, for under the table; '' without any. */
    list: notes.notes.length
      ? `<ol class="warnings" id="${prefix}-warnings">${notes.notes.map((w, k) => `<li id="${prefix}-warning-${k + 1}"><strong>warning:</strong> ${text(w)}</li>`).join('')}</ol>`
      : '',
    count: notes.notes.length,
  };
}

export function warnings(lines: readonly string[]): string {
  return lines.length ? `<ul class="warnings">${lines.map((w) => `<li><strong>warning:</strong> ${text(w)}</li>`).join('')}</ul>` : '';
}

/** A chart (an SVG from svg-chart.ts) with its caption. */
export function chart(svg: string, caption: string): string {
  return `<figure>${svg.trimEnd()}<figcaption>${text(caption)}</figcaption></figure>`;
}

export interface Page {
  /** The <title> and the heading. */
  title: string;
  /** The command's words after `cp-plan`. */
  argv: readonly string[];
  /** The inputs the question names: model, cluster, workload... (values HTML). */
  inputs: readonly (readonly [string, string])[];
  /** The verdict: 'pass' (fits, meets the SLOs) or 'fail'. */
  verdict: 'pass' | 'fail';
  verdictText: string;
  /** The answer (HTML), shown first. */
  answer: string;
  /** The rest, in order (HTML sections). */
  sections: readonly string[];
  version: string;
}

export function page(p: Page): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="cp-plan ${text(p.version)}">
<title>${text(p.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${text(p.title)}</h1>
<p class="verdict ${p.verdict}" role="status">${text(p.verdictText)}</p>
</header>
<main>
<section aria-labelledby="q">
<h2 id="q">The question</h2>
<pre class="cmd"><code>$ ${text(commandLine(p.argv))}</code></pre>
${facts(p.inputs)}
</section>
<section aria-labelledby="a">
<h2 id="a">The answer</h2>
${p.answer}
</section>
${p.sections.join('\n')}
</main>
<footer>Generated by cp-plan ${text(p.version)}. Predictions of a model, not measurements: see each number's provenance. Hover a chart point for its value; click a table header to sort.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

/** A section with a heading. */
export function section(id: string, heading: string, body: string): string {
  return `<section aria-labelledby="${id}">\n<h2 id="${id}">${text(heading)}</h2>\n${body}\n</section>`;
}

const CSS = `
:root{--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--card:#f6f8fa;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--warnbg:#fff8c5;--grid:#e5e7eb}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9da7b3;--line:#30363d;--card:#161b22;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--warnbg:#2d2305;--grid:#30363d}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0 auto;max-width:1100px;padding:1rem;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;overflow-wrap:anywhere}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.2rem;border-bottom:1px solid var(--line);padding-bottom:.2rem;margin-top:2rem}
.verdict{display:inline-block;font-weight:600;padding:.2rem .6rem;border-radius:6px;border:2px solid}
.verdict.pass{color:var(--ok)}.verdict.fail{color:var(--bad)}
pre.cmd{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.6rem;white-space:pre-wrap;word-break:break-all}
.figs{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:.6rem;margin:.6rem 0}
.fig{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:.5rem .7rem}
.fig-label{color:var(--muted);font-size:.85rem}.fig-value{font-size:1.25rem;font-weight:600}.fig-note{font-size:.8rem;color:var(--muted)}
.warnings{background:var(--warnbg);border-left:4px solid var(--warn);padding:.5rem .5rem .5rem 1.6rem;margin:.6rem 0}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem;overflow-wrap:normal}
th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:var(--card)}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
caption{text-align:left;color:var(--muted);padding:.2rem 0}
table.facts th{font-weight:600;background:var(--card);white-space:nowrap}table.facts td{overflow-wrap:anywhere}
tr.chosen td{font-weight:600}tr.fail td:last-child,td.fail{color:var(--bad);font-weight:600}td.pass{color:var(--ok)}
table.sortable th{cursor:pointer}th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
.prov{display:inline-block;font-size:.78rem;padding:0 .35rem;border-radius:4px;border:1px solid var(--line);white-space:nowrap}
.prov-measured,.prov-fitted{color:var(--ok)}.prov-datasheet{color:var(--muted)}.prov-transferred,.prov-assumed{color:var(--warn);font-weight:600}
figure{margin:1rem 0}figcaption{color:var(--muted);font-size:.85rem}
svg.chart{width:100%;max-width:720px;height:auto;display:block}
svg.chart .bg{fill:var(--bg)}svg.chart text{fill:var(--fg)}svg.chart text.ref-label{fill:#e6550d}svg.chart .axis,svg.chart .tick-mark{stroke:var(--fg)}svg.chart .grid{stroke:var(--grid)}
details{border:1px solid var(--line);border-radius:6px;padding:.4rem .7rem;margin:1rem 0}summary{cursor:pointer;font-weight:600}
footer{color:var(--muted);font-size:.8rem;margin:2rem 0 1rem;border-top:1px solid var(--line);padding-top:.5rem}
@media print{body{max-width:none;font-size:11pt;background:#fff;color:#000}:root{--bg:#fff;--fg:#000;--card:#f3f3f3;--line:#bbb}
figure,.fig,tr,.warnings{break-inside:avoid}h2{break-after:avoid}.scroll{overflow:visible}
details::details-content{content-visibility:visible;display:contents}details>summary{list-style:none}footer{font-size:8pt}}
`.trim();

/** Optional: sortable tables, and <details> opened for printing. The page reads the same without it. */
const SCRIPT = `
for (const th of document.querySelectorAll('table.sortable thead th')) {
  th.tabIndex = 0;
  const sort = () => {
    const table = th.closest('table'), body = table.tBodies[0], i = th.cellIndex;
    const dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
    for (const h of table.querySelectorAll('thead th')) h.removeAttribute('aria-sort');
    th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
    const key = (r) => { const c = r.cells[i], v = c.dataset.v ?? c.textContent.trim(); return v !== '' && !isNaN(v) ? Number(v) : v; };
    const rows = [...body.rows].sort((a, b) => { const x = key(a), y = key(b); return dir * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))); });
    for (const r of rows) body.appendChild(r);
  };
  th.addEventListener('click', sort);
  th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
}
addEventListener('beforeprint', () => { for (const d of document.querySelectorAll('details')) d.open = true; });
`.trim();
