import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/provisioning/apply.js';
import { ProvisionError, parseProvisionFile } from '../../src/provisioning/parse.js';
import { buildPlan } from '../../src/provisioning/plan.js';
import type { Store } from '../../src/store/db.js';
import { ledgerEntries, readCreditState } from '../../src/store/credit-accounts.js';
import { readSettings } from '../../src/store/settings.js';
import { testDatabases } from '../helpers/stores.js';

const demo = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');

for (const database of testDatabases) {
  describe(`provisioning on ${database.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await database.open();
    });
    afterEach(async () => {
      await store.close();
    });

    const provision = async (yaml: string, dryRun = false) =>
      applyPlan(store.db, buildPlan(parseProvisionFile(yaml), await readSettings(store.db)), { dryRun });

    /** Every table's rows, to prove a refused or dry run changed nothing. */
    async function snapshot(): Promise<Record<string, unknown[]>> {
      const tables = ['settings', 'accounts', 'trunks', 'tariffs', 'rates', 'timeIntervals', 'timeIntervalSlots', 'timeIntervalExceptions', 'extensions', 'callnowPreferences', 'callnowRules', 'callbackSettings', 'authorizedCallerids', 'creditAccounts', 'ledgerEntries', 'dids'] as const;
      const out: Record<string, unknown[]> = {};
      for (const table of tables) out[table] = await store.db.selectFrom(table).selectAll().execute();
      return out;
    }

    it('creates the demo, and a second run changes nothing', async () => {
      const first = await provision(demo);
      expect(first.changes).toEqual(
        expect.arrayContaining([
          'set currency to AUD',
          'created trunk carrier',
          'created tariff standard',
          'created organization Acme',
          'created time interval Acme/Office hours',
          'created extension Acme/001002',
          'created CallNow preferences of Acme/001002',
          'created extension Acme/001100',
          'created callback settings of Acme/001100',
          'created authorized CallerID +61412345678 of Acme/001100',
          'created DID +61290370000',
        ]),
      );
      const before = await snapshot();
      const second = await provision(demo);
      expect(second).toEqual({ changes: [], notes: [] });
      expect(await snapshot()).toEqual(before);

      expect(await readSettings(store.db)).toEqual({ currency: 'AUD', defaultCountry: 'AU' });
      const rates = await store.db.selectFrom('rates').selectAll().orderBy('prefix', 'desc').execute();
      expect(rates.map((r) => [r.prefix, r.flatMicros, r.perMinuteMicros, r.connectFeeMicros, r.firstIncrementSeconds, r.nextIncrementSeconds])).toEqual([
        ['614', null, 300_000, 50_000, 30, 6],
        ['612', 120_000, 0, 0, 60, 60],
        ['', null, 1_200_000, 0, 60, 60],
      ]);
      const prefs = await store.db.selectFrom('callnowPreferences').selectAll().executeTakeFirstOrThrow();
      expect(prefs).toMatchObject({ callnowId: 'john_doe', enabled: 1, confirm: 1, captcha: 0, rejectWhileOnPhone: 1, language: 'en' });
      expect(prefs.availabilityIntervalId).not.toBeNull();
      const mary = await store.db.selectFrom('authorizedCallerids').selectAll().where('callerId', '=', '+61412345678').executeTakeFirstOrThrow();
      expect(await readCreditState(store.db, mary.creditAccountId)).toMatchObject({ unlimited: false, balanceMicros: 20_000_000 });
      expect(await ledgerEntries(store.db, mary.creditAccountId)).toMatchObject([{ kind: 'recharge', amountMicros: 20_000_000, actor: 'provisioning' }]);
      const did = await store.db.selectFrom('dids').innerJoin('extensions', 'extensions.id', 'dids.extensionId').select(['dids.number', 'extensions.number as extension']).executeTakeFirstOrThrow();
      expect(did).toEqual({ number: '+61290370000', extension: '001100' });
    });

    it('updates only what changed, and replaces configuration lists', async () => {
      await provision(demo);
      const changed = demo
        .replace('name: John Doe', 'name: John Q. Doe')
        .replace('{ prefix: "612", name: Sydney local, flat: "0.12" }', '{ prefix: "612", name: Sydney local, flat: "0.15" }');
      const report = await provision(changed);
      expect(report.changes).toEqual(['updated rates of tariff standard', 'updated extension Acme/001002 (name)']);
      expect((await provision(changed)).changes).toEqual([]);
    });

    it("sets the organization's licence caps, keeps the server's when the file leaves them out, and refuses a negative cap", async () => {
      const acme = () => store.db.selectFrom('accounts').select(['maxConcurrentCalls', 'dailySpendCapMicros']).where('name', '=', 'Acme').executeTakeFirstOrThrow();
      const withCaps = (caps: string) => demo.replace('  - name: Acme\n', `  - name: Acme\n    ${caps}\n`);
      await provision(withCaps('maxConcurrentCalls: 4\n    dailySpendCap: "25.50"'));
      expect(await acme()).toEqual({ maxConcurrentCalls: 4, dailySpendCapMicros: 25_500_000 });
      // Set in the portal since: a file without the keys leaves them as they are.
      await store.db.updateTable('accounts').set({ maxConcurrentCalls: 9 }).where('name', '=', 'Acme').execute();
      expect((await provision(demo)).changes).toEqual([]);
      expect(await acme()).toEqual({ maxConcurrentCalls: 9, dailySpendCapMicros: 25_500_000 });
      // null lifts a cap.
      const report = await provision(withCaps('maxConcurrentCalls: null\n    dailySpendCap: null'));
      expect(report.changes).toEqual(['updated organization Acme (maxConcurrentCalls, dailySpendCapMicros)']);
      expect(await acme()).toEqual({ maxConcurrentCalls: null, dailySpendCapMicros: null });
      const settings = await readSettings(store.db);
      expect(() => buildPlan(parseProvisionFile(withCaps('dailySpendCap: "-1.00"')), settings)).toThrow(/dailySpendCap.*cannot be negative/s);
    });

    it('keeps what the portal set where the file leaves a key out: SIP password, Call API and CallNow switches; a written key wins', async () => {
      const john = () => store.db.selectFrom('extensions').select(['sipPassword', 'callApiEnabled', 'callnowEnabled']).where('number', '=', '001002').executeTakeFirstOrThrow();
      await provision(demo);
      expect(await john()).toEqual({ sipPassword: 'a-long-secret', callApiEnabled: 1, callnowEnabled: 1 });
      // Changed in the portal since.
      await store.db.updateTable('extensions').set({ sipPassword: 'changed-in-the-portal', callApiEnabled: 0, callnowEnabled: 0 }).where('number', '=', '001002').execute();
      const silent = demo.replace('        sipPassword: "a-long-secret"\n', '').replace(/ {8}callApi: true[^\n]*\n/, '').replace(/ {8}callnowEnabled: true[^\n]*\n/, '');
      expect(silent).not.toContain('a-long-secret');
      expect((await provision(silent)).changes).toEqual([]);
      expect(await john()).toEqual({ sipPassword: 'changed-in-the-portal', callApiEnabled: 0, callnowEnabled: 0 });
      // What the file says, it sets.
      await provision(demo);
      expect(await john()).toEqual({ sipPassword: 'a-long-secret', callApiEnabled: 1, callnowEnabled: 1 });
      await provision(demo.replace('sipPassword: "a-long-secret"', 'sipPassword: null'));
      expect((await john()).sipPassword).toBeNull();
    });

    it('keeps a live balance and says so', async () => {
      await provision(demo);
      const report = await provision(demo.replace('credit: "20.00"', 'credit: "50.00"'));
      expect(report.changes).toEqual([]);
      expect(report.notes).toEqual([expect.stringMatching(/CallerID \+61412345678 .* has credit 20.00; the file says 50.00/)]);
    });

    it('keeps a generated CallNow id across runs', async () => {
      const yaml = 'organizations:\n  - name: B\n    extensions:\n      - { number: "7", name: Seven, callnow: { enabled: true } }\n';
      await provision(yaml);
      const first = await store.db.selectFrom('callnowPreferences').select('callnowId').executeTakeFirstOrThrow();
      expect(first.callnowId).toMatch(/^[0-9a-f]{16}$/);
      expect((await provision(yaml)).changes).toEqual([]);
    });

    it('refuses a file whose references do not resolve, and writes nothing', async () => {
      const before = await snapshot();
      const broken = demo.replace('tariff: standard', 'tariff: premium').replace('availability: Office hours', 'availability: Night shift');
      await expect(provision(broken)).rejects.toThrow(ProvisionError);
      try {
        await provision(broken);
      } catch (error) {
        expect((error as ProvisionError).problems.map((p) => p.path)).toEqual([
          'organizations[0].tariff',
          'organizations[0].extensions[0].callnow.availability',
        ]);
      }
      expect(await snapshot()).toEqual(before);
    });

    it('a dry run reports the changes and writes nothing', async () => {
      const before = await snapshot();
      const report = await provision(demo, true);
      expect(report.changes.length).toBeGreaterThan(10);
      expect(await snapshot()).toEqual(before);
    });

    it('refuses a CallNow id that belongs to another extension in the database', async () => {
      await provision(demo);
      const other = 'organizations:\n  - name: Other\n    extensions:\n      - { number: "1", name: X, callnow: { id: John_Doe } }\n';
      await expect(provision(other)).rejects.toThrow(/CallNow ID "john_doe" belongs to another extension/);
    });

    it('refuses to change the currency once credit exists', async () => {
      await provision(demo);
      await expect(provision(demo.replace('currency: AUD', 'currency: EUR'))).rejects.toThrow(/already holds credit in AUD/);
    });

    it('enforces the licence limit of active CallerIDs across runs', async () => {
      await provision(demo);
      const extra = demo.replace('maxAuthorizedCallerIds: 10', 'maxAuthorizedCallerIds: 2').replace(
        '- { callerId: "+61298765432", credit: unlimited }',
        '- { callerId: "+61298765432", credit: unlimited }\n            - { callerId: "+61298765433", active: false }',
      );
      expect((await provision(extra)).changes).toContain('created authorized CallerID +61298765433 of Acme/001100');
      await expect(provision(extra.replace('{ callerId: "+61298765433", active: false }', '{ callerId: "+61298765433", active: true }'))).rejects.toThrow(
        /3 active CallerIDs, but the licence allows 2/,
      );
    });
  });
}
