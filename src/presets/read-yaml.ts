import { LineCounter, isMap, isNode, isScalar, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { MAX_INPUT_BYTES, readInputFile } from '../read-file.js';

interface Parsed<T> {
  data: T;
}

/**
 * Reads a YAML file and validates it against a strict zod schema. Every
 * failure becomes one InputError line: `file:line:col path: problem`.
 */
export function readYamlFile<S extends z.ZodType>(
  file: string,
  label: string,
  schema: S,
  /** Checked before the schema: a one-line diagnosis of a whole-file mistake (e.g. the wrong kind of preset). */
  diagnose?: (raw: Record<string, unknown>) => string | undefined,
): Parsed<z.infer<S>> {
  const text = readText(file, label);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const pos = lineCounter.linePos(syntax.pos[0]);
    throw new InputError(`${label}:${pos.line}:${pos.col}: invalid YAML: ${firstLine(syntax.message)}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new InputError(`${label}: cannot read YAML: ${firstLine((error as Error).message)}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(`${label}: expected a YAML mapping of keys to values; see 'cp-plan presets show' for an example`);
  }
  const diagnosis = diagnose?.(raw as Record<string, unknown>);
  if (diagnosis) throw new InputError(`${label}: ${diagnosis}`);
  const result = schema.safeParse(raw);
  if (!result.success) {
    // A typo shows up twice (an unknown key and a missing one): name the typo first.
    const issues = [...result.error.issues].sort((a, b) => rank(a) - rank(b));
    const issue = issues[0]!;
    const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : '';
    const where = locate(doc, lineCounter, issue);
    const path = issue.path.length ? `${issue.path.join('.')}: ` : '';
    const keys = 'keys' in issue && Array.isArray(issue.keys) ? issue.keys : undefined;
    const problem = keys
      ? `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')} (a typo? keys are case-sensitive)`
      : issue.code === 'invalid_type' && /received undefined/.test(issue.message)
        ? `required key is missing (${issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})`
        : issue.message;
    throw new InputError(`${label}${where}: ${path}${problem}${more}`);
  }
  return { data: result.data };
}

/** The top-level keys of a YAML mapping file (to tell which kind of file it is); [] if it is not a mapping. */
export function topLevelKeys(file: string, label: string): string[] {
  const doc = parseDocument(readText(file, label), { uniqueKeys: false });
  const contents = doc.contents;
  return isMap(contents) ? contents.items.flatMap((item) => (isScalar(item.key) ? [String(item.key.value)] : [])) : [];
}

function rank(issue: z.core.$ZodIssue): number {
  return issue.code === 'unrecognized_keys' ? 0 : 1;
}

/** A text file of the user's, refused with one line when it is missing, a directory, binary, empty or over `maxBytes`. */
export function readTextFile(file: string, label: string, maxBytes: number): string {
  return readText(file, label, maxBytes, 'file');
}

function readText(file: string, label: string, maxBytes = MAX_INPUT_BYTES, what = 'preset'): string {
  const buffer = readInputFile(file, label, maxBytes);
  if (buffer.includes(0)) throw new InputError(`${label}: is a binary file, not ${what === 'preset' ? 'YAML' : 'text'}`);
  const text = buffer.toString('utf8');
  if (text.trim() === '') throw new InputError(`${label}: file is empty${what === 'preset' ? "; see 'cp-plan presets show' for an example" : ''}`);
  return text;
}

/** `:line:col` of the node an issue points at, or of its nearest existing parent. */
function locate(doc: Document, lines: LineCounter, issue: z.core.$ZodIssue): string {
  const path = issue.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
  const keys = 'keys' in issue && Array.isArray(issue.keys) ? (issue.keys as string[]) : [];
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (!isNode(node) || !node.range) continue;
    if (depth === path.length && keys.length && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === keys[0]);
      const keyNode = pair?.key;
      if (isNode(keyNode) && keyNode.range) return at(lines, keyNode.range[0]);
    }
    return at(lines, node.range[0]);
  }
  return '';
}

function at(lines: LineCounter, offset: number): string {
  const pos = lines.linePos(offset);
  return `:${pos.line}:${pos.col}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
