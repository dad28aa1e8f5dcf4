import { dirname, isAbsolute, join, relative } from 'node:path';
import { EXIT_CHECK_FAILED, EXIT_OK, forRow, forRowAsync } from '../errors.js';
import { quoted } from '../render/quote.js';
import { checkScenario } from '../planning/check.js';
import { isPath, loadDeployment, loadModel, type LoadedModel } from '../presets/catalog.js';
import type { ClusterSpec } from '../model/types.js';
import { readYamlFile } from '../presets/read-yaml.js';
import { colorEnabled, makeChalk } from '../render/color.js';
import { checkToJson, checkToMarkdown, checkToTable } from '../render/check-report.js';
import { generatorOf } from '../render/provenance.js';
import { SCHEMA_VERSION } from '../render/estimate-json.js';
import { inFile, inFileAsync } from '../validation/in-file.js';
import { checkFileSchema } from '../schema/check-file.js';
import type { CommandContext, CommandResult } from './result.js';
import { precisionFor } from './workload-options.js';
import { checkReportPath, writeReport } from '../report-file.js';

export interface CheckOptions {
  format: 'table' | 'markdown' | 'json';
  json: boolean;
  /** Also write an HTML report to this file. */
  report?: string;
  color: boolean;
}

/** Evaluates every scenario of a sizing file against its SLOs: exit 0 if all pass, 1 if any fails. */
export async function runCheck(file: string, opts: CheckOptions, ctx: CommandContext): Promise<CommandResult> {
  checkReportPath(opts.report);
  const label = isAbsolute(file) ? file : relative(process.cwd(), file) || file;
  const parsed = readYamlFile(file, label, checkFileSchema).data;
  // A relative preset path in the file is relative to the file (as in a measurements file), not to the working directory.
  const near = (ref: string) => (isPath(ref) && !isAbsolute(ref) ? join(dirname(file), ref) : ref);
  const data = {
    scenarios: parsed.scenarios.map((s) => ({
      ...s,
      model: near(s.model),
      cluster: near(s.cluster),
      ...(s.engine === undefined ? {} : { engine: near(s.engine) }),
    })),
  };
  // Each preset once, in file order, so that an error names the first scenario that uses it.
  const models = new Map<string, LoadedModel>();
  const clusters = new Map<string, ClusterSpec>();
  const deployment = (s: { cluster: string; engine?: string }) => `${s.cluster}\0${s.engine ?? ''}`;
  for (const [i, s] of data.scenarios.entries()) {
    if (!models.has(s.model)) models.set(s.model, await inFileAsync(label, () => forRowAsync(i, () => loadModel(s.model)), 'scenarios'));
    if (!clusters.has(deployment(s))) {
      clusters.set(deployment(s), (await inFileAsync(label, () => forRowAsync(i, () => loadDeployment(s.cluster, s.engine)), 'scenarios')).spec);
    }
  }
  const outcomes = inFile(
    label,
    () =>
      data.scenarios.map((s, i) =>
        forRow(i, () => {
          const model = models.get(s.model)!;
          const cluster = clusters.get(deployment(s))!;
          const precision = precisionFor(model, s);
          return checkScenario(s, { model: model.spec, cluster, precision });
        }),
      ),
    'scenarios',
  );
  const failed = outcomes.filter((o) => !o.pass);
  // Each distinct warning once, naming the scenarios it qualifies.
  const warned = new Map<string, string[]>();
  for (const o of outcomes) for (const w of new Set(o.warnings)) warned.set(w, [...(warned.get(w) ?? []), `'${o.name}'`]);
  const stderr = [...warned].map(([w, names]) => `warning: ${names.join(', ')}: ${w}`);
  if (failed.length) stderr.push(`check failed: ${failed.map((o) => `'${o.name}'`).join(', ')} ${failed.length === 1 ? 'misses' : 'miss'} an SLO`);
  const exitCode = failed.length ? EXIT_CHECK_FAILED : EXIT_OK;
  if (opts.report) {
    const { checkReport } = await import('../render/report/check-report.js');
    stderr.push(writeReport(opts.report, checkReport({ outcomes, label, argv: ctx.argv ?? [], version: ctx.version })));
  }
  const format = opts.json ? 'json' : opts.format;
  if (format === 'json')
    return {
      stdout: JSON.stringify({ ...checkToJson(outcomes, label, SCHEMA_VERSION), generator: generatorOf(ctx.version) }, null, 2) + '\n',
      stderr,
      exitCode,
    };
  if (format === 'markdown') return { stdout: checkToMarkdown(quoted(outcomes), quoted(label)), stderr, exitCode };
  const color = colorEnabled({ isTTY: ctx.isTTY, env: ctx.env, noColorFlag: !opts.color, json: false });
  return { stdout: checkToTable(quoted(outcomes), quoted(label), makeChalk(color), color), stderr, exitCode };
}
