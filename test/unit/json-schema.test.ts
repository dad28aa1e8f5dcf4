// schema/*.json (referenced by yaml-language-server modelines, so editors validate the files)
// must be what `cp-plan schema KIND` prints. UPDATE_GOLDEN=1 rewrites them.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { SCHEMAS, jsonSchemaOf } from '../../src/commands/schema.js';

for (const kind of Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[]) {
  test(`schema/${kind}.json is the output of cp-plan schema ${kind}`, () => {
    const file = new URL(`../../schema/${kind}.json`, import.meta.url);
    const expected = jsonSchemaOf(kind);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, expected);
    assert.ok(existsSync(file), `schema/${kind}.json exists`);
    assert.equal(readFileSync(file, 'utf8'), expected);
  });
}
