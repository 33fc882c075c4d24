// The enrolment QR code: an inline SVG with nothing a CSP would have to allow and nothing of the URI in
// its markup (the secret is only in the modules).
import { describe, expect, it } from "vitest";
import { otpauthQrSvg } from "../../src/pages/qr-svg.js";

const URI =
  "otpauth://totp/Example%20Bank:alice?issuer=Example%20Bank&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30";

describe("otpauthQrSvg", () => {
  it("draws the modules as one path, with a quiet zone, and nothing else", () => {
    const svg = otpauthQrSvg(URI);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ')).toBe(true);
    expect(svg.endsWith("</svg>")).toBe(true);
    const size = Number(/viewBox="0 0 (\d+) /.exec(svg)?.[1]);
    // Version n has 17 + 4n modules; plus a quiet zone of 4 on each side.
    expect((size - 8 - 17) % 4).toBe(0);
    const tags = svg.match(/<[a-z]+/g);
    expect(tags).toEqual(["<svg", "<rect", "<path"]);
    expect(svg).not.toMatch(/script|style|href|url\(|on[a-z]+=|JBSWY3DP|otpauth/i);
    // The finder pattern's top-left corner is dark.
    expect(svg).toContain("M4 4h1v1h-1z");
  });

  it("is deterministic for a URI and differs for another", () => {
    expect(otpauthQrSvg(URI)).toBe(otpauthQrSvg(URI));
    expect(otpauthQrSvg(URI)).not.toBe(otpauthQrSvg(URI.replace("alice", "carol")));
  });

  it("refuses what is not an otpauth URI of printable ASCII", () => {
    for (const bad of [
      "https://example.com",
      "otpauth://totp/a b",
      `otpauth://${"a".repeat(1100)}`,
      "otpauth://totp/é",
    ]) {
      expect(() => otpauthQrSvg(bad)).toThrow(TypeError);
    }
  });
});
