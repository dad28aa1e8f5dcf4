/**
 * Warnings beside a table: each distinct warning once, numbered in order of first use, and for each row
 * the numbers of its warnings ("[1,3]") as a column or a mark; the notes go under the table.
 */
export interface Footnotes {
  /** The distinct warnings, in order of first use. */
  notes: string[];
  /** Per list given: its marker, e.g. "[1,3]", or '' without warnings. */
  markers: string[];
  /** Per list given: the indices of its warnings in `notes`. */
  indices: number[][];
}

export function footnotes(lists: readonly (readonly string[])[]): Footnotes {
  const notes: string[] = [];
  const index = new Map<string, number>();
  const indices = lists.map((list) =>
    [...new Set(list)].map((w) => {
      let i = index.get(w);
      if (i === undefined) {
        i = notes.length;
        index.set(w, i);
        notes.push(w);
      }
      return i;
    }),
  );
  return {
    notes,
    indices,
    markers: indices.map((ix) =>
      ix.length
        ? `[${[...ix]
            .sort((a, b) => a - b)
            .map((i) => i + 1)
            .join(',')}]`
        : '',
    ),
  };
}

/** The notes under a table: "Warnings:" and one line per note, numbered as the markers are; none without notes. */
export function footnoteLines(notes: readonly string[]): string[] {
  return notes.length ? ['Warnings:', ...notes.map((n, i) => `  [${i + 1}] ${n}`)] : [];
}

/** Each distinct warning once, in order of first use. */
export const distinct = (warnings: readonly string[]): string[] => [...new Set(warnings)];
