/**
 * True when `url` (path and query, as the client sent it) falls under the flow's `basePath`: the path
 * is the base itself or below it. Case-insensitive, like the frameworks' default routing; the core
 * decides which of these paths are flow routes.
 */
export function isUnderBasePath(url: string, basePath: string): boolean {
  const queryAt = url.indexOf("?");
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  if (path.length < basePath.length) return false;
  const head = path.slice(0, basePath.length);
  if (head !== basePath && head.toLowerCase() !== basePath.toLowerCase()) return false;
  if (basePath.endsWith("/")) return true;
  return path.length === basePath.length || path.charCodeAt(basePath.length) === 47 /* "/" */;
}
