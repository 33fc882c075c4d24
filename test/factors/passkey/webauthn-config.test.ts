// The `webauthn` option is validated once: a relying party id browsers accept, and only origins
// under it, https (http only on localhost); every refusal names the option and the fix.
import { describe, expect, it } from "vitest";
import { parseWebAuthnOptions } from "../../../src/factors/passkey/index.js";

const valid = { rpId: "example.com", rpName: "Example", origins: ["https://example.com"] };

function problem(options: unknown): string {
  try {
    parseWebAuthnOptions(options);
  } catch (error) {
    expect(error).toMatchObject({ code: "ERR_SF_INVALID_OPTION", status: 500, expose: false });
    return (error as Error).message;
  }
  throw new Error("expected the option to be refused");
}

describe("parseWebAuthnOptions", () => {
  it("accepts a domain and its origins, canonical and frozen, without touching the caller's object", () => {
    const options = {
      rpId: "example.com",
      rpName: "Example Bank",
      origins: ["https://example.com/", "https://login.example.com:8443", "https://example.com"],
    };
    const config = parseWebAuthnOptions(options);
    expect(config).toEqual({
      rpId: "example.com",
      rpName: "Example Bank",
      origins: ["https://example.com", "https://login.example.com:8443"],
    });
    expect(Object.isFrozen(config) && Object.isFrozen(config.origins)).toBe(true);
    expect(options.origins).toHaveLength(3);
  });

  it("accepts http only for localhost, as in development", () => {
    const config = parseWebAuthnOptions({
      rpId: "localhost",
      rpName: "Dev",
      origins: ["http://localhost:3000"],
    });
    expect(config.origins).toEqual(["http://localhost:3000"]);
    expect(problem({ ...valid, origins: ["http://example.com"] })).toMatch(
      /option "webauthn.origins\[0\]" is invalid \(got "http:\/\/example.com"\)\. Fix: use https:/,
    );
  });

  it.each([
    ["a scheme", "https://example.com"],
    ["a port", "example.com:443"],
    ["a path", "example.com/login"],
    ["upper case", "Example.com"],
    ["a top-level domain alone", "com"],
    ["an empty string", ""],
    ["a label starting with a hyphen", "-example.com"],
    ["a number", 42],
  ])("refuses an rpId with %s", (_, rpId) => {
    expect(problem({ ...valid, rpId })).toMatch(
      /^second-factor: option "webauthn.rpId" is invalid \(got .*\)\. Fix: /,
    );
  });

  it("refuses IP addresses, which browsers refuse for passkeys, and says to use localhost", () => {
    expect(problem({ ...valid, rpId: "127.0.0.1" })).toMatch(/IP address.*http:\/\/localhost/);
    expect(problem({ rpId: "localhost", rpName: "Dev", origins: ["http://127.0.0.1:3000"] })).toMatch(
      /"webauthn.origins\[0\]".*IP address/,
    );
    expect(problem({ ...valid, rpId: "[::1]" })).toMatch(/IP address/);
  });

  it.each([
    ["a path", "https://example.com/app"],
    ["a query", "https://example.com?x=1"],
    ["a fragment", "https://example.com#top"],
    ["credentials", "https://user:pass@example.com"],
    ["no scheme", "example.com"],
    ["another scheme", "ftp://example.com"],
    ["not a string", 7],
  ])("refuses an origin with %s", (_, origin) => {
    expect(problem({ ...valid, origins: [origin] })).toMatch(/option "webauthn.origins\[0\]"/);
  });

  it("refuses an origin whose host is not the rpId or under it", () => {
    for (const origin of ["https://evil.test", "https://notexample.com", "https://example.com.evil.test"]) {
      expect(problem({ ...valid, origins: ["https://example.com", origin] })).toMatch(
        /option "webauthn.origins\[1\]" is not under the relying party id "example.com".*Fix: serve the pages from example.com/,
      );
    }
  });

  it("refuses a missing or empty origins list, a missing or blank rpName, unknown keys and a non-object", () => {
    expect(problem({ ...valid, origins: [] })).toMatch(
      /"webauthn.origins".*e\.g\. \["https:\/\/example.com"\]/,
    );
    expect(problem({ rpId: "example.com", rpName: "Example" })).toMatch(/"webauthn.origins"/);
    expect(problem({ ...valid, rpName: " " })).toMatch(/"webauthn.rpName"/);
    expect(problem({ ...valid, rpName: "Two\nlines" })).toMatch(/"webauthn.rpName".*one line/);
    expect(problem({ ...valid, rpName: "x".repeat(101) })).toMatch(/"webauthn.rpName"/);
    expect(problem({ ...valid, origin: "https://example.com" })).toMatch(
      /"webauthn.origin" is not an option/,
    );
    expect(problem("example.com")).toMatch(/option "webauthn" is invalid/);
    expect(problem(null)).toMatch(/option "webauthn" is invalid/);
  });

  it("names the option as the caller calls it", () => {
    expect(() => parseWebAuthnOptions({ ...valid, rpId: "" }, "passkeys.webauthn")).toThrow(
      /"passkeys.webauthn.rpId"/,
    );
  });
});
