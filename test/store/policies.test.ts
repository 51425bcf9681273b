import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BLOCKED_PREFIXES, DEFAULT_REQUEST_LIMITS, isDestinationAllowed } from '../../src/domain/request-limits.js';
import type { Store } from '../../src/store/db.js';
import {
  mergeDestinationRules,
  readDestinationRules,
  readRequestLimits,
  readUseDefaultBlockedPrefixes,
  replaceProviderDestinationPolicy,
  writeRequestLimit,
  writeUseDefaultBlockedPrefixes,
} from '../../src/store/policies.js';
import { DomainError } from '../../src/domain/errors.js';
import { testDatabases } from '../helpers/stores.js';
import { createAccount } from '../../src/store/accounts.js';

async function expectDomainError(promise: Promise<unknown>, code: string): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe(code);
}

describe('mergeDestinationRules', () => {
  it('adds the built-in list unless turned off, and a provider rule replaces a default with the same prefix', () => {
    expect(mergeDestinationRules([], true)).toEqual(DEFAULT_BLOCKED_PREFIXES);
    expect(mergeDestinationRules([], false)).toEqual([]);
    const merged = mergeDestinationRules([{ prefix: '1900', action: 'allow' }], true);
    expect(merged.filter((r) => r.prefix === '1900')).toEqual([{ prefix: '1900', action: 'allow' }]);
    expect(merged).toHaveLength(DEFAULT_BLOCKED_PREFIXES.length);
  });
});

for (const database of testDatabases) {
  describe(`abuse policy store on ${database.name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await database.open();
    });
    afterEach(async () => {
      await store.close();
    });

    it('reads the defaults on a new server', async () => {
      expect(await readRequestLimits(store.db)).toEqual(DEFAULT_REQUEST_LIMITS);
      expect(await readUseDefaultBlockedPrefixes(store.db)).toBe(true);
      const rules = await readDestinationRules(store.db);
      expect(rules).toEqual(DEFAULT_BLOCKED_PREFIXES);
      expect(isDestinationAllowed('+19005550100', rules)).toBe(false);
      expect(isDestinationAllowed('+61290371234', rules)).toBe(true);
    });

    it('stores one limit and keeps the defaults for the others; null goes back to the default', async () => {
      await writeRequestLimit(store.db, 'perNumber', { max: 10, windowMs: 90_000 });
      expect(await readRequestLimits(store.db)).toEqual({ ...DEFAULT_REQUEST_LIMITS, perNumber: { max: 10, windowMs: 90_000 } });
      const row = await store.db.selectFrom('settings').select('value').where('key', '=', 'callnowLimits.perNumber').executeTakeFirstOrThrow();
      expect(JSON.parse(row.value)).toEqual({ max: 10, windowMs: 90_000 });
      await writeRequestLimit(store.db, 'perNumber', null);
      expect(await readRequestLimits(store.db)).toEqual(DEFAULT_REQUEST_LIMITS);
    });

    it('refuses limits the limiter cannot use, when writing and when reading', async () => {
      await expectDomainError(writeRequestLimit(store.db, 'perAddress', { max: 0, windowMs: 60_000 }), 'invalid_request_limits');
      await store.db.insertInto('settings').values({ key: 'callnowLimits.perAddress', value: '{"max":5,"windowMs":10}' }).execute();
      await expectDomainError(readRequestLimits(store.db), 'invalid_request_limits');
      await store.db.updateTable('settings').set({ value: 'five an hour' }).where('key', '=', 'callnowLimits.perAddress').execute();
      await expectDomainError(readRequestLimits(store.db), 'invalid_request_limits');
    });

    it("a provider allow rule inside a default-blocked range lets it through; one with a default's prefix replaces it", async () => {
      await replaceProviderDestinationPolicy(store.db, [
        { prefix: '8816', action: 'allow', description: 'Iridium' },
        { prefix: '1900', action: 'allow', description: '' },
        { prefix: '247', action: 'deny', description: 'Ascension' },
      ]);
      // An organization's own row is not provider-wide and is not read here.
      const org = await createAccount(store.db, { kind: 'organization', name: 'Org', parentId: null });
      await store.db.insertInto('destinationPolicies').values({ accountId: org.id, prefix: '61', action: 'deny' }).execute();

      const rules = await readDestinationRules(store.db);
      expect(isDestinationAllowed('+881631234567', rules)).toBe(true); // 8816: Iridium, allowed
      expect(isDestinationAllowed('+881234567890', rules)).toBe(false); // rest of 881 still blocked
      expect(isDestinationAllowed('+19005550100', rules)).toBe(true); // the provider's 1900 decides
      expect(isDestinationAllowed('+2476123', rules)).toBe(false);
      expect(isDestinationAllowed('+61290371234', rules)).toBe(true);
      expect(rules.filter((r) => r.prefix === '1900')).toEqual([{ prefix: '1900', action: 'allow' }]);
    });

    it('drops the built-in list when turned off, keeping the provider rows', async () => {
      await replaceProviderDestinationPolicy(store.db, [{ prefix: '882', action: 'deny', description: '' }]);
      await writeUseDefaultBlockedPrefixes(store.db, false);
      expect(await readUseDefaultBlockedPrefixes(store.db)).toBe(false);
      const rules = await readDestinationRules(store.db);
      expect(rules).toEqual([{ prefix: '882', action: 'deny' }]);
      expect(isDestinationAllowed('+19005550100', rules)).toBe(true);
      expect(isDestinationAllowed('+88212345678', rules)).toBe(false);
      await writeUseDefaultBlockedPrefixes(store.db, true);
      expect(isDestinationAllowed('+19005550100', await readDestinationRules(store.db))).toBe(false);
    });

    it('refuses a bad stored rule rather than skipping it', async () => {
      await expectDomainError(
        replaceProviderDestinationPolicy(store.db, [{ prefix: '+1900', action: 'deny', description: '' }]),
        'invalid_destination_rule',
      );
      await store.db.insertInto('destinationPolicies').values({ accountId: null, prefix: '19x', action: 'deny' }).execute();
      await expectDomainError(readDestinationRules(store.db), 'invalid_destination_rule');
    });
  });
}
