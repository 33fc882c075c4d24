/**
 * Reading the examples' own small forms (login, logout, transfer) with a size limit, through the
 * library's body reader: URL-encoded only, UTF-8, at most {@link FORM_LIMIT_BYTES}.
 */
import { type RawRequest, readBody } from "../../src/adapter.js";

/**
 * The largest form body the examples' own routes accept, in bytes.
 * @default 4096
 * @example
 * app.post("/login", express.urlencoded({ extended: false, limit: FORM_LIMIT_BYTES }), login);
 */
export const FORM_LIMIT_BYTES = 4096;

/** The fields of a form, or why it could not be read (400, 413 or 415). */
export type FormResult =
  | { readonly ok: true; readonly fields: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly status: 400 | 413 | 415; readonly reason: string };

/**
 * Reads a URL-encoded form from a raw Node request (Koa's `ctx.req`). A repeated field is refused
 * (400): a form of ours never sends one, and an array must never pass as a string.
 * @example
 * const form = await readForm(ctx.req);
 * if (!form.ok) return problem(form.status);
 */
export async function readForm(request: RawRequest, limit: number = FORM_LIMIT_BYTES): Promise<FormResult> {
  const body = await readBody(request, limit);
  if (!body.ok) return body;
  if (body.type !== "form") {
    return {
      ok: false,
      status: 415,
      reason: "The request must be a form (application/x-www-form-urlencoded).",
    };
  }
  return fieldsOf(body.fields);
}

/**
 * Checks already-parsed fields (Express's `req.body` after `express.urlencoded()`): plain strings only.
 * @example
 * const form = fieldsOf(req.body ?? {});
 */
export function fieldsOf(parsed: unknown): FormResult {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, status: 400, reason: "The form could not be read." };
  }
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== "string") {
      return { ok: false, status: 400, reason: "A field of the form was sent more than once." };
    }
    entries.push([name, value]);
  }
  // fromEntries defines own properties: a field named "__proto__" stays a plain field.
  return { ok: true, fields: Object.fromEntries(entries) };
}
