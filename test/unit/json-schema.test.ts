// schema/*.json (referenced by the presets' yaml-language-server modelines, so editors
// validate preset files) must be what the zod schemas say. UPDATE_GOLDEN=1 rewrites them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { z } from 'zod';
import { clusterPresetSchema } from '../../src/schema/cluster-preset.js';
import { measurementsFileSchema } from '../../src/schema/measurements.js';
import { modelPresetSchema } from '../../src/schema/model-preset.js';

for (const [name, schema] of [['model', modelPresetSchema], ['cluster', clusterPresetSchema], ['measurements', measurementsFileSchema]] as const) {
  test(`schema/${name}.json is generated from the ${name} preset schema`, () => {
    const file = new URL(`../../schema/${name}.json`, import.meta.url);
    const expected = JSON.stringify(z.toJSONSchema(schema), null, 2) + '\n';
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, expected);
    assert.ok(existsSync(file), `schema/${name}.json exists`);
    assert.equal(readFileSync(file, 'utf8'), expected);
  });
}
