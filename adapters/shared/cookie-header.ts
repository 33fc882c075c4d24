/**
 * The value of cookie `name` in a `Cookie` request header (`a=1; b=2`), or `undefined`. The first one
 * sent wins (browsers send the most specific path first); surrounding double quotes are removed and
 * nothing is decoded. It scans the header once and builds no map: only the cookies asked for are read.
 * @example
 * cookieFromHeader("sid=s%3Aabc; __Host-trust=xyz", "__Host-trust"); // "xyz"
 */
export function cookieFromHeader(header: string | string[] | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  const text = Array.isArray(header) ? header.join("; ") : header;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(";", start);
    if (end === -1) end = text.length;
    const equals = text.indexOf("=", start);
    if (equals !== -1 && equals < end && text.slice(start, equals).trim() === name) {
      const value = text.slice(equals + 1, end).trim();
      return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    }
    start = end + 1;
  }
  return undefined;
}
