import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { provisionSchemaText } from '../../src/provisioning/file-schema.js';
import { ProvisionError, parseProvisionFile } from '../../src/provisioning/parse.js';
import { buildPlan } from '../../src/provisioning/plan.js';

const demo = readFileSync(new URL('../../examples/demo.yaml', import.meta.url), 'utf8');
const noContext = { currency: null, defaultCountry: null };

function problemsOf(run: () => unknown): { path: string; message: string; line?: number }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ProvisionError) return error.problems;
    throw error;
  }
  throw new Error('expected a ProvisionError');
}

const plan = (yaml: string) => buildPlan(parseProvisionFile(yaml), noContext);

describe('provisioning file', () => {
  it('the published JSON Schema is the one the code validates with', () => {
    const committed = readFileSync(new URL('../../schemas/provision.schema.json', import.meta.url), 'utf8');
    expect(committed, 'run npm run schema:provision').toBe(provisionSchemaText());
  });

  it('turns the demo into a plan in domain units', () => {
    const p = plan(demo);
    expect(p.settings).toEqual({ currency: 'AUD', defaultCountry: 'AU' });
    expect(p.trunks).toEqual([
      { name: 'carrier', host: '127.0.0.1', port: 5090, transport: 'udp', username: 'acme', password: 'secret', register: false, fromDomain: null, maxChannels: null },
    ]);
    expect(p.tariffs[0]?.rates).toEqual([
      { prefix: '612', name: 'Sydney local', flatMicros: 120_000, perMinuteMicros: 0, connectFeeMicros: 0, firstIncrementSeconds: 60, nextIncrementSeconds: 60 },
      { prefix: '614', name: 'AU mobile', flatMicros: null, perMinuteMicros: 300_000, connectFeeMicros: 50_000, firstIncrementSeconds: 30, nextIncrementSeconds: 6 },
      { prefix: '', name: 'Everywhere else', flatMicros: null, perMinuteMicros: 1_200_000, connectFeeMicros: 0, firstIncrementSeconds: 60, nextIncrementSeconds: 60 },
    ]);
    const acme = p.organizations[0];
    expect(acme?.timeIntervals[0]).toEqual({
      name: 'Office hours',
      timezone: 'Australia/Sydney',
      weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], fromMinute: 540, toMinute: 1020 }],
      exceptions: [{ date: '2026-12-25', closed: true }],
    });
    const [john, travel] = acme?.extensions ?? [];
    expect(john).toMatchObject({ number: '001002', externalNumber: '+61290371234', credit: 'unlimited', type: 'phone' });
    expect(john?.callnow).toMatchObject({ id: 'john_doe', confirm: true, captcha: false, availability: 'Office hours' });
    expect(john?.callnow?.rules).toEqual([
      { numberPattern: '+614*', namePattern: null, action: 'accept' },
      { numberPattern: null, namePattern: '*test*', action: 'reject' },
    ]);
    expect(travel?.callback?.authorizedCallerIds).toEqual([
      { callerId: '+61412345678', description: 'Mary mobile', password: '4711', credit: 20_000_000, active: true },
      { callerId: '+61298765432', description: '', password: null, credit: 'unlimited', active: true },
    ]);
    expect(p.dids).toEqual([{ number: '+61290370000', trunk: 'carrier', organization: null, extension: '001100' }]);
  });

  it('normalizes national numbers with the default country', () => {
    const p = plan(`
settings: { currency: AUD, defaultCountry: AU }
organizations:
  - name: A
    extensions:
      - { number: "1", name: One, externalNumber: "(02) 9037 1234" }
`);
    expect(p.organizations[0]?.extensions[0]?.externalNumber).toBe('+61290371234');
  });

  it('refuses invalid YAML with the line', () => {
    const problems = problemsOf(() => parseProvisionFile('settings:\n  currency: [AUD\n'));
    expect(problems[0]?.message).toMatch(/not valid YAML/);
  });

  it('refuses duplicate keys', () => {
    const problems = problemsOf(() => parseProvisionFile('trunks: []\ntrunks: []\n'));
    expect(problems[0]?.message).toMatch(/not valid YAML/);
  });

  it('names the path and line of an unknown key', () => {
    const problems = problemsOf(() =>
      parseProvisionFile(`organizations:
  - name: Acme
    extensions:
      - number: "1"
        name: One
        colour: blue
`),
    );
    expect(problems).toEqual([{ path: 'organizations[0].extensions[0].colour', message: 'unknown key "colour"', line: 6 }]);
  });

  it('asks to quote numbers that YAML would read as numbers', () => {
    const problems = problemsOf(() => parseProvisionFile('organizations:\n  - name: A\n    extensions:\n      - { number: 001002, name: X }\n'));
    expect(problems[0]?.path).toBe('organizations[0].extensions[0].number');
    expect(problems[0]?.message).toMatch(/quote numbers/);
  });

  it('names a missing field and an out-of-range value', () => {
    const problems = problemsOf(() => parseProvisionFile('trunks:\n  - { name: c, port: 99999 }\n'));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'trunks[0].host', message: 'is required' }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'trunks[0].port', message: 'must be <= 65535' }));
  });

  it('explains an enum value', () => {
    const problems = problemsOf(() => parseProvisionFile('trunks:\n  - { name: c, host: h, transport: tls }\n'));
    expect(problems).toEqual([expect.objectContaining({ path: 'trunks[0].transport', message: 'must be one of "udp", "tcp"' })]);
  });

  it('collects every semantic problem with its path', () => {
    const problems = problemsOf(() =>
      plan(`
settings: { currency: XYZ, defaultCountry: ZZ }
tariffs:
  - name: t
    rates:
      - { prefix: "61", name: a, perMinute: "0.1234567" }
      - { prefix: "61", name: b, perMinute: "abc" }
      - { prefix: "7", name: c, flat: "1", perMinute: "2" }
      - { prefix: "8", name: d, perMinute: "1", increments: "0/6" }
organizations:
  - name: Acme
    timeIntervals:
      - { name: Hours, timezone: Mars/Olympus, weekly: [{ days: [mon], from: "09:00", to: "09:00" }] }
    extensions:
      - { number: "1", name: One, externalNumber: "+99912" }
      - { number: "1", name: Two, type: callback, callback: { returnTo: fixed, maxAuthorizedCallerIds: 1, authorizedCallerIds: [{ callerId: "+61412345678" }, { callerId: "+61412345679" }] } }
      - { number: "3", name: Three, callback: {} }
`),
    );
    const paths = problems.map((p) => p.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'settings.currency',
        'settings.defaultCountry',
        'tariffs[0].rates[0].perMinute',
        'tariffs[0].rates[1].perMinute',
        'tariffs[0].rates[1]',
        'tariffs[0].rates[2]',
        'tariffs[0].rates[3].increments',
        'organizations[0].timeIntervals[0].timezone',
        'organizations[0].extensions[0].externalNumber',
        'organizations[0].extensions[1]',
        'organizations[0].extensions[1].callback.fixedNumber',
        'organizations[0].extensions[1].callback.authorizedCallerIds',
        'organizations[0].extensions[2].callback',
      ]),
    );
    for (const p of problems) expect(p.message.length).toBeGreaterThan(5);
  });

  it('needs a country for national numbers', () => {
    const problems = problemsOf(() => plan('organizations:\n  - name: A\n    extensions:\n      - { number: "1", name: X, externalNumber: "0290371234" }\n'));
    expect(problems[0]?.message).toMatch(/country code/);
  });

  it('refuses a CallNow id used twice', () => {
    const problems = problemsOf(() =>
      plan(`organizations:
  - name: A
    extensions:
      - { number: "1", name: X, callnow: { id: Same_ID } }
      - { number: "2", name: Y, callnow: { id: same_id } }
`),
    );
    expect(problems).toEqual([expect.objectContaining({ path: 'organizations[0].extensions[1].callnow.id' })]);
  });
});
