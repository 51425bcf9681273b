import { readFile } from 'node:fs/promises';
import { applyPlan } from '../provisioning/apply.js';
import { parseProvisionFile } from '../provisioning/parse.js';
import { buildPlan } from '../provisioning/plan.js';
import { readSettings } from '../store/settings.js';
import { UsageError, openMigratedStore } from './io.js';

export async function provision(file: string, options: { dryRun?: boolean }): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const parsed = parseProvisionFile(text);
  const { store } = await openMigratedStore();
  try {
    const plan = buildPlan(parsed, await readSettings(store.db));
    const report = await applyPlan(store.db, plan, { dryRun: options.dryRun ?? false });
    const out: string[] = [];
    const verb = options.dryRun ? 'would make' : 'made';
    if (report.changes.length === 0) out.push(`${file}: no changes`);
    else out.push(`${file}: ${verb} ${report.changes.length} change${report.changes.length === 1 ? '' : 's'}`, ...report.changes.map((c) => `  ${c}`));
    for (const note of report.notes) out.push(`note: ${note}`);
    if (options.dryRun) out.push('dry run: nothing was changed');
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    await store.close();
  }
}
