import type { ChalkInstance } from 'chalk';

/** What every section renderer of the estimate report receives. */
export interface SectionContext {
  chalk: ChalkInstance;
  style: { head: string[]; border: string[] };
}

export const VARIANT_LABEL = { 'pass-kv': 'pass-KV', 'pass-q': 'pass-Q' } as const;
