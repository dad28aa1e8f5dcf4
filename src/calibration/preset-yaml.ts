import { isMap, isScalar, parseDocument } from 'yaml';
import type { FittedParam } from './fit.js';
import { portableModeline } from '../links.js';

export interface FitRecord {
  name: string;
  /** What the fitted measurements covered: the new preset's calibratedRange; null keeps the base preset's (link fits). */
  range: { maxContextTokens: number; maxPrefillCp: number; maxDecodeCp: number } | null;
  dataLabel: string;
  targets: number;
  mapeBefore: number;
  mapeAfter: number;
  /** The engine the measurements ran on: a fit of kernel scales or engine constants is kept for it only. */
  engine?: string;
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
export function calibratedPresetYaml<C>(baseText: string, fitted: readonly FittedParam<C>[], record: FitRecord): string {
  // The base preset's modeline points into the package; the written file lives elsewhere.
  const doc = parseDocument(portableModeline(baseText));
  const baseName = String(doc.get('name'));
  doc.set('name', record.name);
  const displayName = String(doc.get('displayName')).replace(/ \(calibrated\)$/, '');
  doc.set('displayName', `${displayName} (calibrated)`);
  const source = String(doc.get('source')).replace(/; calibrated on .*$/, '');
  doc.set('source', `${source}; calibrated on ${record.dataLabel}`);
  if (fitted.some((f) => f.param.presetPath[0] === 'calibration')) {
    // One calibration block per preset, for one engine: a fit with another engine replaces it.
    if (String(doc.getIn(['calibration', 'engine'])) !== record.engine) doc.delete('calibration');
    doc.setIn(['calibration', 'engine'], record.engine ?? 'unknown');
    doc.setIn(['calibration', 'provenance'], 'fitted');
    doc.setIn(['calibration', 'source'], `cp-plan calibrate on ${record.dataLabel}`);
  }
  for (const f of fitted) {
    doc.setIn(f.param.presetPath, tidy(f.after));
    const node = doc.getIn(f.param.presetPath, true);
    if (isScalar(node)) {
      node.comment = ` fitted by cp-plan calibrate on ${record.dataLabel} (was ${tidy(f.before)}${f.atBound ? '; stopped at its bound' : ''})`;
    }
  }
  if (record.range) {
    doc.set('calibratedRange', doc.createNode(record.range));
    const rangePair = isMap(doc.contents) ? doc.contents.items.find((p) => isScalar(p.key) && p.key.value === 'calibratedRange') : undefined;
    if (rangePair && isScalar(rangePair.key)) {
      rangePair.key.commentBefore = ` the range of the measurements this preset was fitted on (${record.dataLabel})`;
    }
  }
  const header = [
    ` Calibrated by cp-plan calibrate from ${baseName} on ${record.dataLabel}:`,
    ` fitted on ${record.targets} measured times, MAPE ${pct(record.mapeBefore)} before, ${pct(record.mapeAfter)} after.`,
    ` Fitted: ${fitted.map((f) => f.param.presetPath.join('.')).join(', ')}.`,
  ].join('\n');
  // After the file's own header comments (which hang on its first key when the file starts with them).
  const first = doc.contents && 'items' in doc.contents ? (doc.contents.items[0] as { key?: { commentBefore?: string | null } }) : undefined;
  if (first?.key?.commentBefore) first.key.commentBefore = `${first.key.commentBefore}\n${header}`;
  else doc.commentBefore = doc.commentBefore ? `${doc.commentBefore}\n${header}` : header;
  return doc.toString({ lineWidth: 0 });
}
