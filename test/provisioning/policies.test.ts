import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BLOCKED_PREFIXES, DEFAULT_REQUEST_LIMITS, isDestinationAllowed } from '../../src/domain/request-limits.js';
import { applyPlan } from '../../src/provisioning/apply.js';
import { ProvisionError, parseProvisionFile, type Problem } from '../../src/provisioning/parse.js';
import { buildPlan } from '../../src/provisioning/plan.js';
import type { Store } from '../../src/store/db.js';
import { readDestinationRules, readRequestLimits } from '../../src/store/policies.js';
import { readSettings } from '../../src/store/settings.js';
import { testDatabases } from '../helpers/stores.js';

const demo = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');
const noContext = { currency: null, defaultCountry: null };
const plan = (yaml: string) => buildPlan(parseProvisionFile(yaml), noContext);

/** examples/demo.yaml with its commented-out callnowLimits / destinationPolicy example switched on. */
function demoWithPolicyExample(): string {
  const lines = demo.split('\n');
  const start = lines.indexOf('# callnowLimits:                # a limit left out of this block is the default');
  expect(start, 'the commented example in examples/demo.yaml').toBeGreaterThan(0);
  return [...lines.slice(0, start), ...lines.slice(start).map((l) => (l.startsWith('# ') ? l.slice(2) : l))].join('\n');
}

function problemsOf(run: () => unknown): Problem[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ProvisionError) return error.problems;
    throw error;
  }
  throw new Error('expected a ProvisionError');
}

describe('callnowLimits and destinationPolicy in the provisioning file', () => {
  it('leaves both alone when the file does not have them (the demo as shipped)', () => {
    expect(plan(demo)).toMatchObject({ callnowLimits: null, destinationPolicy: null, useDefaultBlockedPrefixes: null });
  });

  it("the demo's commented example is valid, and its limits are the defaults", () => {
    const p = plan(demoWithPolicyExample());
    expect(p.callnowLimits).toEqual(DEFAULT_REQUEST_LIMITS);
    expect(p.useDefaultBlockedPrefixes).toBe(true);
    expect(p.destinationPolicy).toEqual([
      { prefix: '8816', action: 'allow', description: 'Iridium phones' },
      { prefix: '247', action: 'deny', description: 'Ascension Island (IRSF)' },
    ]);
  });

  it('parses durations, keeps only the limits given, and stores prefixes as digits', () => {
    const p = plan(`
callnowLimits:
  perNumber: { max: 2, window: 90s }
  perCallnowId: { max: 500, window: 1d }
  perAddress: { max: 10, window: "120m" }
destinationPolicy:
  - { prefix: "+1900", action: allow }
  - { prefix: "4470", action: deny, description: UK personal numbers }
  - { prefix: "", action: deny }
useDefaultBlockedPrefixes: false
`);
    expect(p.callnowLimits).toEqual({
      perNumber: { max: 2, windowMs: 90_000 },
      perCallnowId: { max: 500, windowMs: 86_400_000 },
      perAddress: { max: 10, windowMs: 7_200_000 },
    });
    expect(p.destinationPolicy).toEqual([
      { prefix: '1900', action: 'allow', description: '' },
      { prefix: '4470', action: 'deny', description: 'UK personal numbers' },
      { prefix: '', action: 'deny', description: '' },
    ]);
    expect(p.useDefaultBlockedPrefixes).toBe(false);
  });

  it('refuses bad values in the file shape, each with its path and line', () => {
    const problems = problemsOf(() =>
      parseProvisionFile(`callnowLimits:
  perNumber: { max: 0, window: 15m }
  perAddress: { max: 5, window: 15 minutes }
  perDay: { max: 5, window: 1d }
destinationPolicy:
  - { prefix: "19a0", action: deny }
  - { prefix: 1900, action: deny }
  - { prefix: "882", action: block }
useDefaultBlockedPrefixes: "no"
`),
    );
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    expect(byPath['callnowLimits.perNumber.max']).toMatchObject({ message: 'must be >= 1', line: 2 });
    expect(byPath['callnowLimits.perAddress.window']).toMatchObject({ message: expect.stringMatching(/"15m"/) as unknown, line: 3 });
    expect(byPath['callnowLimits.perDay']).toMatchObject({ message: 'unknown key "perDay"', line: 4 });
    expect(byPath['destinationPolicy[0].prefix']).toMatchObject({ message: expect.stringMatching(/"\+1900"/) as unknown, line: 6 });
    expect(byPath['destinationPolicy[1].prefix']).toMatchObject({ message: expect.stringMatching(/quote numbers/) as unknown, line: 7 });
    expect(byPath['destinationPolicy[2].action']).toMatchObject({ message: 'must be one of "allow", "deny"', line: 8 });
    expect(byPath['useDefaultBlockedPrefixes']).toMatchObject({ message: 'must be boolean', line: 9 });
    expect(problems).toHaveLength(7);
  });

  it('refuses values the domain validators refuse, each with its path and line', () => {
    const problems = problemsOf(() =>
      plan(`callnowLimits:
  perNumber: { max: 3, window: 8d }
  perAddress: { max: 3, window: 0s }
destinationPolicy:
  - { prefix: "1234567890123456", action: deny }
  - { prefix: "+1900", action: allow }
  - { prefix: "1900", action: deny }
`),
    );
    expect(problems).toEqual([
      { path: 'callnowLimits.perNumber.window', message: 'must be from 1s to 7d, got "8d"', line: 2 },
      { path: 'callnowLimits.perAddress.window', message: 'must be from 1s to 7d, got "0s"', line: 3 },
      { path: 'destinationPolicy[0].prefix', message: expect.stringMatching(/more than 15 digits/) as unknown, line: 5 },
      { path: 'destinationPolicy[2]', message: 'prefix "1900" appears more than once', line: 7 },
    ]);
  });
});

for (const database of testDatabases) {
  describe(`provisioning callnowLimits and destinationPolicy on ${database.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await database.open();
    });
    afterEach(async () => {
      await store.close();
    });

    const provision = async (yaml: string, dryRun = false) =>
      applyPlan(store.db, buildPlan(parseProvisionFile(yaml), await readSettings(store.db)), { dryRun });
    const snapshot = async () => ({
      settings: await store.db.selectFrom('settings').selectAll().orderBy('key').execute(),
      policies: await store.db.selectFrom('destinationPolicies').selectAll().orderBy('id').execute(),
    });

    const file = `
callnowLimits:
  perNumber: { max: 3, window: 10m }
  perCallnowId: { max: 200, window: 1d }
destinationPolicy:
  - { prefix: "+8816", action: allow, description: Iridium phones }
  - { prefix: "247", action: deny }
`;

    it('stores the limits and rules the server reads; a second run changes nothing; a dry run writes nothing', async () => {
      const before = await snapshot();
      const dry = await provision(file, true);
      expect(await snapshot()).toEqual(before);

      const first = await provision(file);
      expect(first).toEqual(dry);
      expect(first.changes).toEqual([
        'created provider account',
        'set callnowLimits.perNumber to 3 per 10m',
        'set callnowLimits.perCallnowId to 200 per 1d',
        'updated destination policy (added allow 8816, deny 247)',
      ]);
      expect(await readRequestLimits(store.db)).toEqual({
        ...DEFAULT_REQUEST_LIMITS,
        perNumber: { max: 3, windowMs: 600_000 },
        perCallnowId: { max: 200, windowMs: 86_400_000 },
      });
      const rules = await readDestinationRules(store.db);
      expect(isDestinationAllowed('+881631234567', rules)).toBe(true); // inside the default 881 block
      expect(isDestinationAllowed('+881234567890', rules)).toBe(false);
      expect(isDestinationAllowed('+2476123', rules)).toBe(false);
      expect(isDestinationAllowed('+19005550100', rules)).toBe(false); // defaults still on

      const after = await snapshot();
      expect(await provision(file)).toEqual({ changes: [], notes: [] });
      expect(await snapshot()).toEqual(after);
      // A file without the blocks leaves them alone.
      expect((await provision('trunks: []\n')).changes).toEqual([]);
      expect(await snapshot()).toEqual(after);
    });

    it('replaces the list and resets left-out limits to match the file', async () => {
      await provision(file);
      const changed = `
callnowLimits:
  perCallnowId: { max: 200, window: 1d }
destinationPolicy:
  - { prefix: "8816", action: allow, description: Iridium handsets }
  - { prefix: "1900", action: allow }
useDefaultBlockedPrefixes: true
`;
      expect((await provision(changed)).changes).toEqual([
        'reset callnowLimits.perNumber to the default (7 per 15m)',
        'updated destination policy (added allow 1900; removed deny 247; new description for allow 8816)',
      ]);
      expect(await provision(changed)).toEqual({ changes: [], notes: [] });
      expect(await readRequestLimits(store.db)).toEqual({ ...DEFAULT_REQUEST_LIMITS, perCallnowId: { max: 200, windowMs: 86_400_000 } });
      const rules = await readDestinationRules(store.db);
      // The provider's "allow 1900" decides over the built-in "deny 1900".
      expect(isDestinationAllowed('+19005550100', rules)).toBe(true);
      expect(isDestinationAllowed('+2476123', rules)).toBe(true);

      expect((await provision('callnowLimits: {}\ndestinationPolicy: []\n')).changes).toEqual([
        'reset callnowLimits.perCallnowId to the default (60 per 1h)',
        'updated destination policy (removed allow 1900, allow 8816)',
      ]);
      expect(await readRequestLimits(store.db)).toEqual(DEFAULT_REQUEST_LIMITS);
      expect(await readDestinationRules(store.db)).toEqual(DEFAULT_BLOCKED_PREFIXES);
      const rows = await store.db.selectFrom('settings').select('key').where('key', 'like', 'callnowLimits.%').execute();
      expect(rows).toEqual([]);
    });

    it('turns the built-in premium-rate list off and on', async () => {
      const off = 'useDefaultBlockedPrefixes: false\ndestinationPolicy:\n  - { prefix: "882", action: deny }\n';
      expect((await provision(off)).changes).toEqual([
        'created provider account',
        'set useDefaultBlockedPrefixes to false',
        'updated destination policy (added deny 882)',
      ]);
      expect(await provision(off)).toEqual({ changes: [], notes: [] });
      expect(await readDestinationRules(store.db)).toEqual([{ prefix: '882', action: 'deny' }]);
      expect(isDestinationAllowed('+19005550100', await readDestinationRules(store.db))).toBe(true);
      expect((await provision('useDefaultBlockedPrefixes: true\n')).changes).toEqual(['set useDefaultBlockedPrefixes to true']);
      expect(isDestinationAllowed('+19005550100', await readDestinationRules(store.db))).toBe(false);
    });

    it("applies the demo with its commented example switched on; a second run changes nothing", async () => {
      const yaml = demoWithPolicyExample();
      const first = await provision(yaml);
      expect(first.changes).toEqual(expect.arrayContaining(['created extension Acme/001002', 'set callnowLimits.perNumber to 7 per 15m']));
      expect(await readRequestLimits(store.db)).toEqual(DEFAULT_REQUEST_LIMITS);
      expect(await provision(yaml)).toEqual({ changes: [], notes: [] });
    });

    it('refuses a file with a bad limit and writes nothing', async () => {
      await provision(file);
      const before = await snapshot();
      await expect(provision(file.replace('window: 10m', 'window: 10w'))).rejects.toThrow(/callnowLimits\.perNumber\.window \(line 3\)/);
      expect(await snapshot()).toEqual(before);
    });
  });
}
