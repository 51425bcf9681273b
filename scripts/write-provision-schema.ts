// Writes schemas/provision.schema.json from the one definition in src/provisioning/file-schema.ts.
// A test fails when the committed file differs, so run `npm run schema:provision` after changing it.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { provisionSchemaText } from '../src/provisioning/file-schema.js';
import { packageRoot } from '../src/version.js';

const path = join(packageRoot, 'schemas', 'provision.schema.json');
writeFileSync(path, provisionSchemaText());
process.stdout.write(`wrote ${path}\n`);
