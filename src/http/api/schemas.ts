import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** Schema pieces every REST API route file uses, so each field means the same everywhere. */

/** OpenAPI 3.0 has no type "null"; `nullable` is what it, Ajv and fast-json-stringify all understand. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Unsafe<Static<T> | null>({ ...schema, nullable: true });
/** A plain string enum (TypeBox unions of literals document and validate as noisy anyOf lists). */
export const StringEnum = <const T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });
/** A row id in a path or body. */
export const Id = (description: string) => Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description });

/** Text on one line: anything printable, no control characters. */
export const ONE_LINE_TEXT = '^[^\\u0000-\\u001F\\u007F]*$';
/** Text shown to people: lines and tabs are fine, other control characters are not. */
export const MESSAGE_TEXT = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';

export const ExtensionParams = Type.Object({ extensionId: Id("The extension's id") }, { additionalProperties: false });
export type ExtensionParams = Static<typeof ExtensionParams>;
