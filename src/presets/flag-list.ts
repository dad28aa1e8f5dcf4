import { join } from 'node:path';
import { z } from 'zod';
import type { FlagList, LaunchEngine } from '../emit/launch.js';
import { PACKAGE_ROOT } from '../root.js';
import { readYamlFile } from './read-yaml.js';

/** An engine's flag list (presets/engines/flags/ENGINE.yaml): the flags its parser accepts at one commit. */
const flagListSchema = z.strictObject({
  engine: z.string().min(1),
  version: z.string().min(1),
  source: z.string().min(1),
  flags: z.array(z.string().regex(/^--?[\w-]+$/)).min(1),
  configKeys: z.array(z.string().regex(/^\w+\.\w+$/)).optional(),
});

export function loadFlagList(engine: LaunchEngine): FlagList {
  const file = join(PACKAGE_ROOT, 'presets', 'engines', 'flags', `${engine}.yaml`);
  return readYamlFile(file, `presets/engines/flags/${engine}.yaml`, flagListSchema).data;
}
