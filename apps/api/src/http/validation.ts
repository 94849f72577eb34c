import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { z } from 'zod';

/**
 * Request validation: every route's zod schema is checked with an error map that turns an issue
 * into a sentence naming the field, what it accepts and what was sent ("steps must be a whole
 * number between 1 and 150 (got 500)"). A schema's own message, where it has one, comes first.
 */

type RawIssue = z.core.$ZodRawIssue;
type Schema = z.core.$ZodType | undefined;

/** What a number field accepts, read from its checks. */
interface NumberRules {
  int: boolean;
  min?: { value: number; inclusive: boolean };
  max?: { value: number; inclusive: boolean };
  multipleOf?: number;
}

function numberRules(schema: Schema): NumberRules {
  const rules: NumberRules = { int: false };
  const def = schema?._zod.def as { checks?: Array<{ _zod: { def: Record<string, unknown> } }>; format?: string } | undefined;
  if (def?.format && /int/.test(def.format)) rules.int = true;
  for (const check of def?.checks ?? []) {
    const c = check._zod.def;
    const value = c.value as number;
    if (c.check === 'number_format' && typeof c.format === 'string' && /int/.test(c.format)) rules.int = true;
    else if (c.check === 'greater_than' && (rules.min === undefined || value >= rules.min.value)) rules.min = { value, inclusive: c.inclusive === true };
    else if (c.check === 'less_than' && (rules.max === undefined || value <= rules.max.value)) rules.max = { value, inclusive: c.inclusive === true };
    else if (c.check === 'multiple_of') rules.multipleOf = value;
  }
  // A bound past the safe integers says nothing a person needs to read.
  if (rules.max && rules.max.value >= Number.MAX_SAFE_INTEGER) delete rules.max;
  if (rules.min && rules.min.value <= Number.MIN_SAFE_INTEGER) delete rules.min;
  return rules;
}

/** "a whole number between 1 and 150", "a multiple of 8 between 64 and 2048", "a number from 0 to 1". */
function describeNumber(rules: NumberRules): string {
  const kind = rules.multipleOf !== undefined ? `a multiple of ${rules.multipleOf}` : rules.int ? 'a whole number' : 'a number';
  const { min, max } = rules;
  if (min?.inclusive && max?.inclusive) return `${kind} between ${min.value} and ${max.value}`;
  const parts: string[] = [];
  if (min) parts.push(min.inclusive ? `of ${min.value} or more` : `greater than ${min.value}`);
  if (max) parts.push(max.inclusive ? `${min ? '' : 'of '}${max.value} or less` : `less than ${max.value}`);
  return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
}

/** "a" / "a or b" / "one of a, b or c". */
function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
  if (shown.length <= 1) return shown[0] ?? 'nothing';
  if (shown.length === 2) return `${shown[0]} or ${shown[1]}`;
  return `one of ${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
}

/** The value that was sent, short enough for a message. */
function sent(input: unknown): string {
  if (input === null) return 'null';
  if (typeof input === 'string') return JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input);
  if (typeof input === 'number' || typeof input === 'boolean') return String(input);
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'an object';
  return typeof input;
}

/** What a value of this type should be, for a field that got something else. */
function expected(issue: RawIssue & { expected?: string }): string {
  const schema = issue.schema ?? (issue.inst as Schema);
  switch (issue.expected) {
    case 'number':
    case 'int':
    case 'bigint':
      return describeNumber({ ...numberRules(schema), int: issue.expected === 'int' || numberRules(schema).int });
    case 'string':
      return 'text';
    case 'boolean':
      return 'true or false';
    case 'object':
      return 'a JSON object';
    case 'array':
      return 'a list';
    case 'null':
      return 'null';
    default:
      return issue.expected ? `of type ${issue.expected}` : 'something else';
  }
}

/** The values a union of literals (like 0 | 90 | 180 | 270) accepts, or null for any other union. */
function literalOptions(schema: Schema): unknown[] | null {
  const options = (schema?._zod.def as { options?: z.core.$ZodType[] } | undefined)?.options;
  if (!options) return null;
  const values: unknown[] = [];
  for (const option of options) {
    const def = option._zod.def as { type: string; values?: unknown[]; entries?: Record<string, unknown> };
    if (def.type === 'literal' && def.values) values.push(...def.values);
    else if (def.type === 'enum' && def.entries) values.push(...Object.values(def.entries));
    else return null;
  }
  return values;
}

/** The name a person knows a field by: its key, or "the body" for the whole of it. */
function fieldName(path: readonly PropertyKey[] | undefined): string {
  const key = [...(path ?? [])].reverse().find((k) => typeof k === 'string');
  return typeof key === 'string' ? key : 'the body';
}

/** The sentence for one issue; undefined leaves zod's own. */
export function describeIssue(issue: RawIssue, name = fieldName(issue.path)): string | undefined {
  const got = issue.input === undefined ? '' : ` (got ${sent(issue.input)})`;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `${name} is required: send ${expected(issue)}`;
      return `${name} must be ${expected(issue)}${got}`;
    case 'too_big':
    case 'too_small': {
      if (issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint') {
        return `${name} must be ${describeNumber(numberRules(issue.schema))}${got}`;
      }
      const bound = issue.code === 'too_big' ? issue.maximum : issue.minimum;
      const unit = issue.origin === 'string' ? 'characters' : issue.origin === 'array' || issue.origin === 'set' ? 'items' : 'entries';
      const length = typeof issue.input === 'string' || Array.isArray(issue.input) ? ` (got ${issue.input.length})` : '';
      if (issue.code === 'too_small' && Number(bound) === 1 && issue.origin === 'string') return `${name} must not be empty`;
      return `${name} must have ${issue.code === 'too_big' ? 'at most' : 'at least'} ${bound} ${unit}${length}`;
    }
    case 'not_multiple_of':
      return `${name} must be ${describeNumber(numberRules(issue.schema))}${got}`;
    case 'invalid_value':
      return `${name} must be ${oneOf(issue.values)}${got}`;
    case 'invalid_union': {
      if (issue.input === undefined) return `${name} is required`;
      const values = literalOptions(issue.inst as Schema);
      return values ? `${name} must be ${oneOf(values)}${got}` : undefined;
    }
    case 'unrecognized_keys': {
      const shape = (issue.inst as Schema)?._zod.def as { shape?: Record<string, unknown> } | undefined;
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      const allowed = shape?.shape ? ` (${name === 'the body' ? 'it takes' : `${name} takes`} ${Object.keys(shape.shape).join(', ')})` : '';
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}${allowed}`;
    }
    case 'custom':
      return `${name} is not valid${got}`;
    default:
      return undefined;
  }
}

/** zod's error map for request validation. */
export const requestErrorMap: z.core.$ZodErrorMap = (issue) => describeIssue(issue);

/**
 * Fastify's validator compiler: each route's zod schema, parsed with the request error map. The
 * errors carry the issue's path, as Fastify's own do, for the error handler to name the field.
 */
export const validatorCompiler: FastifySchemaCompiler<z.core.$ZodType> =
  ({ schema }) =>
  (data) => {
    const result = z.safeParse(schema, data, { error: requestErrorMap });
    if (result.success) return { value: result.data };
    const error: FastifySchemaValidationError[] = result.error.issues.map((issue) => ({
      keyword: issue.code,
      instancePath: issue.path.length ? `/${issue.path.map(String).join('/')}` : '',
      schemaPath: '',
      params: {},
      message: issue.message,
    }));
    return { error };
  };
