import { describe, expect, it } from "vitest";
import { ipKey } from "../../src/limits/index.js";

describe("ipKey", () => {
  it("keeps IPv4 as it is", () => {
    expect(ipKey("192.0.2.7")).toBe("192.0.2.7");
    expect(ipKey("192.0.2.8")).toBe("192.0.2.8");
  });

  it("keys IPv4-mapped IPv6 as the IPv4 address, dotted or hex", () => {
    expect(ipKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(ipKey("::FFFF:192.0.2.7")).toBe("192.0.2.7");
    expect(ipKey("::ffff:c000:207")).toBe("192.0.2.7");
    expect(ipKey("0:0:0:0:0:ffff:c000:0207")).toBe("192.0.2.7");
  });

  it("groups IPv6 by its /64, whatever the spelling", () => {
    const key = ipKey("2001:db8:1:2::1");
    expect(key).toBe("2001:db8:1:2::/64");
    expect(ipKey("2001:0DB8:0001:0002:ffff:ffff:ffff:ffff")).toBe(key);
    expect(ipKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe(key);
    expect(ipKey("2001:db8:1:2::1%eth0")).toBe(key);
    expect(ipKey("2001:db8:1:3::1")).not.toBe(key);
    expect(ipKey("::1")).toBe("0:0:0:0::/64");
    expect(ipKey("fe80::")).toBe("fe80:0:0:0::/64");
    expect(ipKey("1:2:3:4:5:6:7::")).toBe("1:2:3:4::/64");
  });

  it("keys anything that is not an IP address as unknown", () => {
    for (const junk of [
      undefined,
      "",
      "unknown",
      "1.2.3",
      "999.1.1.1",
      " 1.2.3.4",
      "1.2.3.4, 5.6.7.8",
      "2001:db8::g",
      ":::",
    ]) {
      expect(ipKey(junk)).toBe("unknown");
    }
    expect(ipKey(42 as unknown as string)).toBe("unknown");
  });
});
