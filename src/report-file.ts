import { InputError, printable } from './errors.js';
import { writeWhole } from './write-file.js';

/**
 * --report FILE: an HTML page, written whole by the same function as --chart-file.
 * The name is checked before any work, so that a wrong one writes nothing.
 */
export function checkReportPath(file: string | undefined): void {
  if (file === undefined) return;
  if (!/\.html?$/i.test(file)) throw new InputError(`--report ${printable(file)}: the report is an HTML page; give a file name ending in .html or .htm`);
}

/** Writes the report; returns the stderr line that says so. */
export function writeReport(file: string, html: string): string {
  writeWhole(file, html, '--report');
  return wroteLine(file);
}

/** The stderr line (after `cp-plan: `) for every file a command writes: --report, --chart-file, calibrate -o. */
export const wroteLine = (file: string): string => `wrote ${printable(file, 200)}`;

/** --chart-file FILE: an SVG image; any other name is refused before any work, so that nothing is written. */
export function checkChartPath(file: string | undefined): void {
  if (file === undefined || file === '') return;
  if (!/\.svg$/i.test(file)) throw new InputError(`--chart-file ${printable(file)}: the chart is an SVG image; give a file name ending in .svg`);
}
