/** Where cp-plan lives: the same URLs as package.json's repository, bugs and homepage (a test checks). */
export const REPOSITORY_URL = 'https://github.com/cp-plan/cp-plan';
export const ISSUES_URL = `${REPOSITORY_URL}/issues`;
export const DOCS_URL = `${REPOSITORY_URL}#readme`;
/** The JSON Schemas (schema/*.json) on the repository's main branch, for modelines in files users keep. */
export const SCHEMA_BASE_URL = 'https://raw.githubusercontent.com/cp-plan/cp-plan/main/schema/';

/**
 * A shipped preset's first line points at the schema relative to the package (../../schema/cluster.json),
 * which resolves nowhere once the text is copied out (presets show > mine.yaml, calibrate -o): it becomes
 * the schema's absolute URL. Any other text is returned as it is.
 */
export function portableModeline(text: string): string {
  return text.replace(/^# yaml-language-server: \$schema=(?:\.\.\/)+schema\/([\w-]+\.json)(?=\r?\n|$)/, `# yaml-language-server: $schema=${SCHEMA_BASE_URL}$1`);
}
