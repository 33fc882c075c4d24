/** Groups client IP addresses the way budgets count them. */
import { isIP } from "node:net";

/** The key of every address that is missing or not an IP address. */
export const UNKNOWN_IP = "unknown";

/**
 * The budget key of a client IP: IPv4 as is, IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as its IPv4, other
 * IPv6 by its /64 (one end user is usually handed a whole /64), and anything else as `"unknown"`.
 * @example
 * ipKey("2001:db8:1:2:aaaa::1");  // "2001:db8:1:2::/64"
 * ipKey("::ffff:192.0.2.7");      // "192.0.2.7"
 * ipKey("not an ip");             // "unknown"
 */
export function ipKey(ip: string | undefined): string {
  if (typeof ip !== "string") return UNKNOWN_IP;
  const family = isIP(ip);
  if (family === 4) return ip;
  if (family !== 6) return UNKNOWN_IP;
  const groups = ipv6Groups(ip);
  if (groups === undefined) return UNKNOWN_IP;
  if (isIpv4Mapped(groups)) return ipv4FromGroups(groups[6] ?? 0, groups[7] ?? 0);
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address that `isIP` accepted (zone id dropped). */
function ipv6Groups(address: string): number[] | undefined {
  const withoutZone = address.split("%", 1)[0] ?? "";
  const [head = "", tail, extra] = withoutZone.split("::");
  if (extra !== undefined) return undefined;
  const headGroups = parseGroups(head);
  const tailGroups = tail === undefined ? [] : parseGroups(tail);
  if (headGroups === undefined || tailGroups === undefined) return undefined;
  const missing = 8 - headGroups.length - tailGroups.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  return [...headGroups, ...new Array<number>(missing).fill(0), ...tailGroups];
}

function parseGroups(part: string): number[] | undefined {
  if (part === "") return [];
  const groups: number[] = [];
  const pieces = part.split(":");
  for (const [index, piece] of pieces.entries()) {
    if (piece.includes(".")) {
      // An embedded IPv4 tail (`::ffff:1.2.3.4`) is only valid last; it stands for two groups.
      if (index !== pieces.length - 1 || isIP(piece) !== 4) return undefined;
      const [a = 0, b = 0, c = 0, d = 0] = piece.split(".").map(Number);
      groups.push((a << 8) | b, (c << 8) | d);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
      groups.push(Number.parseInt(piece, 16));
    }
  }
  return groups;
}

function isIpv4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}

function ipv4FromGroups(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}
