/**
 * True when `url` (path and query, as the client sent it) falls under the flow's `basePath`: the path
 * is the base itself or below it. Case-insensitive, like the frameworks' default routing; the core
 * decides which of these paths are flow routes. Every request of an app passes here: it allocates
 * nothing unless a non-ASCII character has to be compared.
 */
export function isUnderBasePath(url: string, basePath: string): boolean {
  const queryAt = url.indexOf("?");
  const pathLength = queryAt === -1 ? url.length : queryAt;
  if (pathLength < basePath.length) return false;
  if (!url.startsWith(basePath) && !startsWithIgnoringCase(url, basePath)) return false;
  if (basePath.endsWith("/")) return true;
  return pathLength === basePath.length || url.charCodeAt(basePath.length) === 47 /* "/" */;
}

/** `text` begins with `prefix` compared as `toLowerCase()` compares them (`text` is at least as long). */
function startsWithIgnoringCase(text: string, prefix: string): boolean {
  for (let index = 0; index < prefix.length; index++) {
    const a = text.charCodeAt(index);
    const b = prefix.charCodeAt(index);
    if (a === b) continue;
    if (a > 127 || b > 127) return text.slice(0, prefix.length).toLowerCase() === prefix.toLowerCase();
    const lowerA = a | 32;
    if (lowerA !== (b | 32) || lowerA < 97 /* "a" */ || lowerA > 122 /* "z" */) return false;
  }
  return true;
}
