/**
 * Whether a request asks for JSON (DESIGN §5): its `Accept` header names `application/json` and does
 * not name `text/html` (a media range with `q=0` names nothing). `*\/*`, a missing header and
 * anything else count as HTML, so browsers always get pages.
 * @example
 * wantsJson("application/json"); // true
 * wantsJson("text/html, application/json"); // false
 * wantsJson("*\/*"); // false
 */
export function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.length > 1024) return false;
  let json = false;
  for (const range of accept.split(",")) {
    const [media = "", ...parameters] = range.split(";");
    const type = media.trim().toLowerCase();
    if (type !== "application/json" && type !== "text/html") continue;
    if (isRefused(parameters)) continue;
    if (type === "text/html") return false;
    json = true;
  }
  return json;
}

function isRefused(parameters: readonly string[]): boolean {
  for (const parameter of parameters) {
    const [name = "", value = ""] = parameter.split("=");
    if (name.trim().toLowerCase() === "q") return !(Number(value.trim()) > 0);
  }
  return false;
}

/**
 * Whether a `Content-Type` header is `application/json` (with any parameters).
 * @example
 * isJsonContentType("application/json; charset=utf-8"); // true
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  return mediaType(contentType) === "application/json";
}

/**
 * The media type of a `Content-Type` header, lower-case, without parameters (`""` when absent).
 * @example
 * mediaType(" Application/Json ; charset=utf-8"); // "application/json"
 */
export function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return "";
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}
