/**
 * The ways context parallelism splits a context (README "Context-parallel styles"): the one list the engine
 * presets' schema, the CLI's choices, the planner and the sweep read.
 */
export const CP_STYLES = ['ring', 'all-gather', 'ulysses', 'hierarchical'] as const;
export type CpStyle = (typeof CP_STYLES)[number];
