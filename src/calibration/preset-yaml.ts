import { isScalar, parseDocument } from 'yaml';
import type { FittedParam } from './fit.js';

export interface FitRecord {
  name: string;
  dataLabel: string;
  targets: number;
  mapeBefore: number;
  mapeAfter: number;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** Four significant digits: what the data can support, and stable in the file. */
function tidy(value: number): number {
  return Number(value.toPrecision(4));
}

/**
 * The base cluster preset's text with the fitted values written in, each with
 * a comment saying where it came from, and a header comment recording the
 * fit. Other keys and comments are kept as they were.
 */
export function calibratedPresetYaml(baseText: string, fitted: readonly FittedParam[], record: FitRecord): string {
  const doc = parseDocument(baseText);
  const baseName = String(doc.get('name'));
  doc.set('name', record.name);
  doc.set('displayName', `${String(doc.get('displayName'))} (calibrated)`);
  doc.set('source', `${String(doc.get('source'))}; calibrated on ${record.dataLabel}`);
  for (const f of fitted) {
    doc.setIn(f.param.presetPath, tidy(f.after));
    const node = doc.getIn(f.param.presetPath, true);
    if (isScalar(node)) {
      node.comment = ` fitted by cp-plan calibrate on ${record.dataLabel} (was ${tidy(f.before)}${f.atBound ? '; stopped at its bound' : ''})`;
    }
  }
  const header = [
    ` Calibrated by cp-plan calibrate from ${baseName} on ${record.dataLabel}:`,
    ` ${record.targets} measured times, MAPE ${pct(record.mapeBefore)} before, ${pct(record.mapeAfter)} after.`,
    ` Fitted: ${fitted.map((f) => f.param.presetPath[1]).join(', ')}.`,
  ].join('\n');
  doc.commentBefore = doc.commentBefore ? `${doc.commentBefore}\n${header}` : header;
  return doc.toString({ lineWidth: 0 });
}
