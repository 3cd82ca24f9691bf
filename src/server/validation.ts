/**
 * How request parts are checked against their JSON schemas (Ajv, through Fastify's own compiler
 * package): bodies strictly — a JSON body is what the client typed, so `"2"` is not a number,
 * `"x86_64"` is not a list and `123` is not a name — while query strings and path parameters,
 * which are text by nature, are still converted to the types their schemas declare (and then
 * bounded like any other value). Unknown fields are refused everywhere (`removeAdditional` off:
 * a typo is an error, never a silently dropped field).
 */
import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type SchemaController = NonNullable<FastifyServerOptions['schemaController']>;
type ValidatorFactory = NonNullable<NonNullable<SchemaController['compilersFactory']>['buildValidator']>;

const COMMON = { removeAdditional: false, useDefaults: true } as const;

/** The validator factory: strict for bodies, converting text to the declared types for the other parts. */
export function requestValidators(): ValidatorFactory {
  const pool = AjvCompiler();
  return (externalSchemas) => {
    const strict = pool(externalSchemas, { customOptions: { ...COMMON, coerceTypes: false } });
    const converting = pool(externalSchemas, { customOptions: { ...COMMON, coerceTypes: 'array' } });
    return (route) => (route.httpPart === 'body' ? strict(route) : converting(route));
  };
}
