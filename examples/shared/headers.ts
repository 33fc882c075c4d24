/**
 * The response headers of every page and JSON answer the examples serve themselves (the challenge
 * flow sets its own): a Content-Security-Policy without script, no framing, no caching.
 */
import { STYLE_CSP_SOURCE } from "./style.js";

/**
 * The Content-Security-Policy of the examples' pages: nothing may load but the page's own style
 * (allowed by its hash); no script at all; forms post only to this origin.
 * @example
 * res.setHeader("Content-Security-Policy", EXAMPLE_CSP);
 */
export const EXAMPLE_CSP = [
  "default-src 'none'",
  `style-src ${STYLE_CSP_SOURCE}`,
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join("; ");

/**
 * Headers for every response of the examples' own routes. `Cache-Control: no-store` everywhere: pages
 * carry CSRF tokens and, once signed in, account data that no cache may keep.
 * @example
 * for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Security-Policy": EXAMPLE_CSP,
  "Cache-Control": "no-store",
  "X-Content-Type-Options": "nosniff",
  "X-Frame-Options": "DENY",
  "Referrer-Policy": "no-referrer",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
});
