import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { DURATION_PATTERN } from '../domain/duration.js';
import { ProvisionFileSchema, type ProvisionFile } from './file-schema.js';

/** One thing wrong with a provisioning file: where (a path such as organizations[0].name) and why. */
export interface Problem {
  path: string;
  message: string;
  line?: number;
}

export class ProvisionError extends Error {
  constructor(readonly problems: Problem[]) {
    super(
      `the provisioning file was refused; nothing was changed:\n${problems
        .map((p) => `  - ${p.path || '(file)'}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`)
        .join('\n')}`,
    );
    this.name = 'ProvisionError';
  }
}

/** For each parsed file, where its paths are in the text: problems found after parsing get lines too. */
const locators = new WeakMap<object, (segments: (string | number)[]) => number | undefined>();

/** The line of `path` (as in Problem.path, e.g. organizations[0].name) in the text `file` was parsed from, if known. */
export function lineInFile(file: object, path: string): number | undefined {
  const locate = locators.get(file);
  if (!locate || path === '') return undefined;
  const segments = [...path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((m) => (m[1] === undefined ? (m[2] as string) : Number(m[1])));
  return locate(segments);
}

const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: false });
const validateShape = ajv.compile<ProvisionFile>(ProvisionFileSchema);

/** Parses YAML text and checks it against the file schema. Throws ProvisionError with every problem found. */
export function parseProvisionFile(text: string): ProvisionFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ProvisionError(
      doc.errors.map((e) => ({
        path: '',
        message: `not valid YAML: ${e.message.split('\n')[0] ?? e.code}`,
        line: e.linePos?.[0].line,
      })),
    );
  }
  const data: unknown = doc.toJS() ?? {};
  const lineOf = (segments: (string | number)[]): number | undefined => {
    // Walk up until a node with a position is found (a missing key has none).
    for (let n = segments.length; n >= 0; n--) {
      const node: unknown = doc.getIn(segments.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return undefined;
  };
  if (validateShape(data)) {
    locators.set(data, lineOf);
    return data;
  }
  throw new ProvisionError(reduceErrors(validateShape.errors ?? []).map((e) => describe(e, lineOf)));
}

/**
 * Ajv reports every branch of a failed union; people want the one that matters.
 * Keep, per instance path, the most specific errors and drop the union noise.
 */
function reduceErrors(errors: ErrorObject[]): ErrorObject[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const error of errors) {
    const list = byPath.get(error.instancePath) ?? [];
    list.push(error);
    byPath.set(error.instancePath, list);
  }
  const kept: ErrorObject[] = [];
  for (const [path, list] of byPath) {
    // A deeper path already explains a failure here.
    const deeper = [...byPath.keys()].some((other) => other !== path && other.startsWith(`${path}/`));
    const specific = list.filter((e) => e.keyword !== 'anyOf');
    if (deeper && specific.every((e) => e.keyword === 'type' || e.keyword === 'const')) continue;
    const types = specific.filter((e) => e.keyword === 'type');
    const consts = specific.filter((e) => e.keyword === 'const');
    const others = specific.filter((e) => e.keyword !== 'type' && e.keyword !== 'const');
    if (others.length > 0) kept.push(...others);
    else if (consts.length > 0 && types.length <= 1) kept.push(mergeConsts(consts));
    else if (types.length > 0) kept.push(mergeTypes(types));
    else kept.push(...list);
  }
  return kept;
}

function mergeConsts(errors: ErrorObject[]): ErrorObject {
  const allowed = errors.map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
  const first = errors[0] as ErrorObject;
  return { ...first, keyword: 'enum', message: `must be one of ${allowed.join(', ')}` };
}

function mergeTypes(errors: ErrorObject[]): ErrorObject {
  const types = [...new Set(errors.map((e) => String((e.params as { type: unknown }).type)))];
  const first = errors[0] as ErrorObject;
  return { ...first, params: { type: types.join(' or ') } };
}

function describe(error: ErrorObject, lineOf: (segments: (string | number)[]) => number | undefined): Problem {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  let message = error.message ?? 'is not valid';
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    const key = String(params.additionalProperty);
    segments.push(key);
    message = `unknown key "${key}"`;
  } else if (error.keyword === 'required') {
    segments.push(String(params.missingProperty));
    message = 'is required';
  } else if (error.keyword === 'type') {
    message = `must be ${String(params.type)}`;
    if (String(params.type).includes('string')) {
      message += ' (quote numbers in YAML, e.g. "001002" or "+61290371234", so leading zeros and + are kept)';
    }
  } else if (error.keyword === 'pattern') {
    message = `has the wrong form (expected ${describePattern(String(params.pattern))})`;
  }
  const path = segments.reduce<string>(
    (acc, s) => (typeof s === 'number' ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s),
    '',
  );
  return { path, message, line: lineOf(segments) };
}

function describePattern(pattern: string): string {
  const known: Record<string, string> = {
    '^[A-Z]{3}$': 'a three-letter ISO 4217 currency code such as "AUD"',
    '^[A-Z]{2}$': 'a two-letter ISO 3166 country code such as "AU"',
    '^[0-9]{1,20}$': 'digits only, e.g. "001002"',
    '^[0-9]{0,20}$': 'up to 20 digits, without "+"',
    '^([01][0-9]|2[0-4]):[0-5][0-9]$': 'a time HH:MM such as "09:00"',
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}$': 'a date YYYY-MM-DD',
    '^[A-Za-z0-9_-]{3,64}$': '3 to 64 letters, digits, "_" or "-"',
    '^([a-z]{2}|caller)$': 'a two-letter language code such as "en", or "caller"',
    [DURATION_PATTERN]: 'a whole number and s, m, h or d, e.g. "90s", "15m", "1h", "1d"',
    '^\\+?[0-9]*$': 'digits, "+" optional, e.g. "1900" or "+1900"',
  };
  return known[pattern] ?? `a value matching ${pattern}`;
}
