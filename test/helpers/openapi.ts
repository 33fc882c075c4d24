/**
 * Validates response bodies against Twilio's OpenAPI description of Verify v2
 * (spec/twilio_verify_v2.json, OpenAPI 3.0). The spec marks every field optional and nullable; by
 * default this helper is strict on top of it: every property the schema lists must be present (Twilio
 * sends them all, `null` when empty) and no other property may appear, so a missing, misspelt or
 * mistyped field fails.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import type { FormatsPlugin } from "ajv-formats";

type Json = Record<string, unknown>;

const require = createRequire(import.meta.url);
// ajv-formats is CommonJS whose default export NodeNext types awkwardly; require() is unambiguous.
const addFormats = require("ajv-formats") as FormatsPlugin;

const SPEC_PATH = new URL("../../spec/twilio_verify_v2.json", import.meta.url);
const spec = JSON.parse(readFileSync(SPEC_PATH, "utf8")) as {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Json }> }> }>
  >;
  components: { schemas: Record<string, Json> };
};

/** The schema names this helper knows besides the spec's `components.schemas`. */
export type ExtraSchemaName = "ListServiceResponse" | "TwilioError";

/** A schema name: a key of `components.schemas` (e.g. `verify.v2.service.verification`) or an extra one. */
export type SchemaName =
  | "verify.v2.service"
  | "verify.v2.service.verification"
  | "verify.v2.service.verification_check"
  | ExtraSchemaName
  | (string & {});

const DROPPED_KEYS = new Set([
  "description",
  "example",
  "examples",
  "x-twilio",
  "readOnly",
  "writeOnly",
  "deprecated",
  "externalDocs",
  "xml",
  "title",
]);

function responseSchema(path: string, method: string, status: string): Json {
  const schema = spec.paths[path]?.[method]?.responses?.[status]?.content?.["application/json"]?.schema;
  if (schema === undefined)
    throw new Error(`openapi helper: no ${method} ${path} ${status} schema in the spec`);
  return schema;
}

const EXTRA: Record<ExtraSchemaName, () => Json> = {
  ListServiceResponse: () => responseSchema("/v2/Services", "get", "200"),
  // The spec's only error schema (create's 429); Twilio uses the same shape for every error.
  TwilioError: () => responseSchema("/v2/Services/{ServiceSid}/Verifications", "post", "429"),
};

/** Turns an OpenAPI 3.0 schema into JSON Schema: refs inlined, `nullable` as a `null` type, strict objects. */
function convert(node: unknown, strict: boolean, seen: readonly string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => convert(n, strict, seen));
  if (typeof node !== "object" || node === null) return node;
  const source = node as Json;
  if (typeof source.$ref === "string") {
    const name = source.$ref.replace("#/components/schemas/", "");
    if (seen.includes(name)) throw new Error(`openapi helper: recursive $ref ${source.$ref}`);
    const target = spec.components.schemas[name];
    if (target === undefined) throw new Error(`openapi helper: unknown $ref ${source.$ref}`);
    return convert(target, strict, [...seen, name]);
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(source)) {
    if (DROPPED_KEYS.has(key) || key === "nullable") continue;
    if (key === "properties" && typeof value === "object" && value !== null) {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, convert(v, strict, seen)]),
      );
    } else if (key === "default") {
      // defaults describe requests; they constrain nothing in a response
    } else {
      out[key] = convert(value, strict, seen);
    }
  }
  if (source.nullable === true) {
    if (typeof out.type === "string") out.type = [out.type, "null"];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  if (strict && typeof out.properties === "object" && out.properties !== null) {
    out.required ??= Object.keys(out.properties);
    out.additionalProperties ??= false;
    if (out.type === undefined) out.type = "object";
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addFormat("uri-map", true);

const cache = new Map<string, ValidateFunction>();

function validatorFor(name: SchemaName, strict: boolean): ValidateFunction {
  const key = `${strict ? "strict" : "loose"}:${name}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const source = name in EXTRA ? EXTRA[name as ExtraSchemaName]() : spec.components.schemas[name];
  if (source === undefined) throw new Error(`openapi helper: unknown schema "${name}"`);
  const validate = ajv.compile(convert(source, strict) as Json);
  cache.set(key, validate);
  return validate;
}

/**
 * Throws (with every ajv error and the body) unless `body` matches the named schema.
 * @example
 * validateSchema("verify.v2.service.verification", await res.json());
 */
export function validateSchema(name: SchemaName, body: unknown, options: { strict?: boolean } = {}): void {
  const validate = validatorFor(name, options.strict ?? true);
  if (!validate(body)) {
    const errors = ajv.errorsText(validate.errors, { separator: "\n  ", dataVar: "body" });
    throw new Error(
      `Response body does not match ${name}:\n  ${errors}\nbody: ${JSON.stringify(body)?.slice(0, 2000)}`,
    );
  }
}

/** A Verification as the spec describes it. */
export interface VerificationBody {
  sid: string | null;
  service_sid: string | null;
  account_sid: string | null;
  to: string | null;
  channel: "sms" | "call" | "email" | "whatsapp" | "sna";
  status: string | null;
  valid: boolean | null;
  lookup: unknown;
  amount: string | null;
  payee: string | null;
  send_code_attempts: Array<{ time: string; channel: string; attempt_sid: string }> | null;
  date_created: string | null;
  date_updated: string | null;
  sna: unknown;
  url: string | null;
}

/** A VerificationCheck as the spec describes it. */
export interface VerificationCheckBody {
  sid: string | null;
  service_sid: string | null;
  account_sid: string | null;
  to: string | null;
  channel: "sms" | "call" | "email" | "whatsapp" | "sna";
  status: string | null;
  valid: boolean | null;
  amount: string | null;
  payee: string | null;
  sna_attempts_error_codes: unknown[] | null;
  date_created: string | null;
  date_updated: string | null;
}

/** A Service as the spec describes it (the fields tests read). */
export interface ServiceBody {
  sid: string | null;
  account_sid: string | null;
  friendly_name: string | null;
  code_length: number;
  custom_code_enabled: boolean | null;
  url: string | null;
  [field: string]: unknown;
}

/** A page of `GET /v2/Services`. */
export interface ServiceListBody {
  services: ServiceBody[];
  meta: {
    page: number;
    page_size: number;
    first_page_url: string;
    previous_page_url: string | null;
    next_page_url: string | null;
    url: string;
    key: string;
  };
}

/** Twilio's error body. */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

/**
 * Asserts a `verify.v2.service.verification` body and returns it typed.
 * @example
 * const v = expectVerification(await res.json());
 */
export function expectVerification(body: unknown): VerificationBody {
  validateSchema("verify.v2.service.verification", body);
  return body as VerificationBody;
}

/**
 * Asserts a `verify.v2.service.verification_check` body and returns it typed.
 * @example
 * expect(expectVerificationCheck(await res.json()).status).toBe("approved");
 */
export function expectVerificationCheck(body: unknown): VerificationCheckBody {
  validateSchema("verify.v2.service.verification_check", body);
  return body as VerificationCheckBody;
}

/**
 * Asserts a `verify.v2.service` body and returns it typed.
 * @example
 * const service = expectService(await res.json());
 */
export function expectService(body: unknown): ServiceBody {
  validateSchema("verify.v2.service", body);
  return body as ServiceBody;
}

/**
 * Asserts a `GET /v2/Services` page (`{ services, meta }`) and returns it typed.
 * @example
 * const page = expectServiceList(await res.json());
 */
export function expectServiceList(body: unknown): ServiceListBody {
  validateSchema("ListServiceResponse", body);
  return body as ServiceListBody;
}

/**
 * Asserts Twilio's error shape (`{ code, message, more_info, status }`), optionally a given code,
 * and that `more_info` points at the code's page.
 * @example
 * expectTwilioError(await res.json(), 20404);
 */
export function expectTwilioError(body: unknown, code?: number): TwilioErrorBody {
  validateSchema("TwilioError", body);
  const error = body as TwilioErrorBody;
  if (code !== undefined && error.code !== code) {
    throw new Error(`Expected Twilio error ${code}, got ${error.code}: ${error.message}`);
  }
  if (error.more_info !== `https://www.twilio.com/docs/errors/${error.code}`) {
    throw new Error(
      `more_info should be https://www.twilio.com/docs/errors/${error.code}, got ${error.more_info}`,
    );
  }
  return error;
}

/** Path templates of the spec, longest first, as regexes over raw request paths. */
const TEMPLATES = Object.keys(spec.paths)
  .map((template) => ({
    template,
    regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    literal: template.replace(/\{[^}]+\}/g, "").length,
  }))
  .sort((a, b) => b.literal - a.literal);

/**
 * Validates any Verify v2 response by request method, path and status: errors against Twilio's
 * error shape, 204 as empty, everything else against the spec's schema for that operation.
 * @example
 * validateResponse({ method: "POST", path: "/v2/Services/VA…/VerificationCheck", status: 200, body });
 */
export function validateResponse(response: {
  method: string;
  path: string;
  status: number;
  body: unknown;
}): void {
  const { method, path, status, body } = response;
  if (status === 204) {
    if (body !== undefined && body !== "" && body !== null)
      throw new Error(`204 with a body: ${String(body)}`);
    return;
  }
  if (status >= 400) {
    validateSchema("TwilioError", body);
    if ((body as TwilioErrorBody).status !== status) {
      throw new Error(
        `Error body status ${(body as TwilioErrorBody).status} differs from HTTP status ${status}`,
      );
    }
    return;
  }
  const match = TEMPLATES.find((t) => t.regex.test(path));
  if (match === undefined) throw new Error(`openapi helper: ${path} is not a Verify v2 path`);
  const responses = spec.paths[match.template]?.[method.toLowerCase()]?.responses;
  if (responses === undefined) throw new Error(`openapi helper: no ${method} ${match.template} in the spec`);
  if (!(String(status) in responses)) {
    throw new Error(
      `${method} ${match.template} answered ${status}; the spec lists ${Object.keys(responses).join(", ")}`,
    );
  }
  const schema = responseSchema(match.template, method.toLowerCase(), String(status));
  const key = `response:${method}:${match.template}:${status}`;
  let validate = cache.get(key);
  if (validate === undefined) {
    validate = ajv.compile(convert(schema, true) as Json);
    cache.set(key, validate);
  }
  if (!validate(body)) {
    const errors = ajv.errorsText(validate.errors, { separator: "\n  ", dataVar: "body" });
    throw new Error(
      `${method} ${path} ${status} body does not match the spec:\n  ${errors}\nbody: ${JSON.stringify(body)?.slice(0, 2000)}`,
    );
  }
}
