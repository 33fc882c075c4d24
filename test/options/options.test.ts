import { describe, expect, it, vi } from "vitest";
import { createSecondFactorCore } from "../../src/core.js";
import { createLimits } from "../../src/limits/index.js";
import { parseOptions, type SecondFactorOptions } from "../../src/options/index.js";
import { SECRET, StubProvider } from "../helpers/core.js";

const quiet = { warn: () => {}, error: () => {} };

function base(): SecondFactorOptions<unknown> {
  return {
    provider: new StubProvider(),
    user: () => null,
    secret: SECRET,
    logger: quiet,
    factors: { kind: "memory" },
  };
}

function invalid(options: unknown): Error {
  try {
    parseOptions(options);
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the options to be refused");
}

describe("options", () => {
  it("fills in the named defaults", () => {
    const config = parseOptions(base());
    expect(config).toMatchObject({
      loginPath: "/login",
      basePath: "/2fa",
      channels: ["sms", "call"],
      sessionKey: "secondFactor",
      defaultReturnTo: "/",
      lang: "en",
      bodyLimit: 16384,
      providerTimeoutMs: 8000,
      codeLength: { min: 4, max: 10 },
      resendAfterMs: 30_000,
      allowClientSideSessions: false,
    });
  });

  it("never modifies the caller's object", () => {
    const options = Object.freeze({
      ...base(),
      channels: Object.freeze(["sms"] as const),
      limits: Object.freeze({}),
    });
    const snapshot = JSON.stringify(options);
    expect(() => createSecondFactorCore(options as SecondFactorOptions<unknown>)).not.toThrow();
    expect(JSON.stringify(options)).toBe(snapshot);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ["an unknown key", { maxage: "5m" }, /option "maxage" is not an option.*"provider"/],
    ["no provider", { provider: undefined }, /"provider".*twilioVerify/],
    [
      "a provider without check()",
      { provider: { start() {}, cancel() {} } },
      /"provider".*without a check\(\) method/,
    ],
    ["a string provider", { provider: "twilio" }, /"provider"/],
    ["user not a function", { user: { id: "1" } }, /"user".*pass a function/],
    ["a relative loginPath", { loginPath: "login" }, /"loginPath".*got "login"/],
    ["an absolute loginPath", { loginPath: "https://evil.example/login" }, /"loginPath"/],
    ["a basePath with a trailing slash", { basePath: "/2fa/" }, /"basePath".*without a trailing/],
    ["a root basePath", { basePath: "/" }, /"basePath"/],
    ["an unknown channel", { channels: ["sms", "telegram"] }, /"channels".*"telegram"/],
    ["a duplicated channel", { channels: ["sms", "sms"] }, /"channels"/],
    ["no channels", { channels: [] }, /"channels"/],
    ["a short secret", { secret: "short" }, /"secret".*5 bytes.*32 or more/],
    ["a numeric secret", { secret: 12345 }, /"secret"/],
    ["limits with a secret", { limits: { secret: SECRET } }, /"limits.secret".*top-level "secret"/],
    ["limits with an unknown key", { limits: { sendz: {} } }, /sendz/],
    ["a sessionKey with a dot", { sessionKey: "a.b" }, /"sessionKey"/],
    ["a sessionKey of __proto__", { sessionKey: "__proto__" }, /"sessionKey"/],
    ["a non-path defaultReturnTo", { defaultReturnTo: "//evil.example" }, /"defaultReturnTo"/],
    ["a non-function now", { now: 5 }, /"now".*function/],
    ["a non-function onEvent", { onEvent: "log" }, /"onEvent"/],
    ["a logger without error()", { logger: { warn() {} } }, /"logger".*warn\(\) and error\(\)/],
    ["an unknown pages key", { pages: { template: "x" } }, /option "pages.template" is not an option/],
    ["a non-function render", { pages: { render: "x" } }, /"pages.render"/],
    ["a bad lang", { pages: { lang: "english language" } }, /"pages.lang"/],
    ["a stylesheet closing its tag", { pages: { stylesheet: "</style><script>" } }, /"pages.stylesheet"/],
    ["an unknown message key", { messages: { titel: "x" } }, /option "messages.titel" is not an option/],
    ["an empty message", { messages: { title: "" } }, /"messages.title"/],
    [
      "client-side sessions as a string",
      { allowClientSideSessions: "yes" },
      /"allowClientSideSessions".*true or false/,
    ],
    ["a tiny bodyLimit", { bodyLimit: 10 }, /"bodyLimit".*256 to 1048576/],
    ["a fractional providerTimeoutMs", { providerTimeoutMs: 1.5 }, /"providerTimeoutMs"/],
    ["a codeLength of 3", { codeLength: 3 }, /"codeLength".*4 to 10/],
    ["a codeLength of 11", { codeLength: { min: 4, max: 11 } }, /"codeLength"/],
    ["an inverted codeLength", { codeLength: { min: 8, max: 6 } }, /"codeLength"/],
    ["a bad resendAfter", { resendAfter: "soon" }, /"resendAfter"/],
  ])("refuses %s with ERR_SF_INVALID_OPTION", (_label, patch, message) => {
    const error = invalid({ ...base(), ...patch });
    expect(error).toMatchObject({ code: "ERR_SF_INVALID_OPTION", name: "SecondFactorError" });
    expect(error.message).toMatch(message);
  });

  it("refuses something that is not an object", () => {
    expect(invalid(undefined).message).toMatch(/pass one object/);
    expect(invalid(() => {}).message).toMatch(/pass one object/);
  });

  it("never shows the secret in its message", () => {
    const secret = "s3cr3t-value-that-must-not-leak";
    expect(invalid({ ...base(), secret }).message).not.toContain(secret);
  });

  it("warns once, through the logger, when no secret is given", () => {
    const warn = vi.fn();
    parseOptions({ ...base(), secret: undefined, logger: { warn, error: () => {} } });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/no "secret".*will not share/);
  });

  it("needs no secret with prebuilt limits, and refuses an incomplete one", () => {
    const warn = vi.fn();
    const limits = createLimits({ secret: SECRET });
    expect(
      parseOptions({ ...base(), secret: undefined, limits, logger: { warn, error: () => {} } }).limits,
    ).toBe(limits);
    expect(warn).not.toHaveBeenCalled();
    const { unlock: _unlock, ...partial } = limits;
    expect(invalid({ ...base(), limits: partial }).message).toMatch(/"limits".*unlock\(\)/);
  });

  it("accepts a Uint8Array secret of 32 bytes", () => {
    expect(() => parseOptions({ ...base(), secret: new Uint8Array(32).fill(7) })).not.toThrow();
    expect(invalid({ ...base(), secret: new Uint8Array(31) }).message).toMatch(/31 bytes/);
  });

  it("reads codeLength as a number or bounds, and merges messages", () => {
    expect(parseOptions({ ...base(), codeLength: 6 }).codeLength).toEqual({ min: 6, max: 6 });
    expect(parseOptions({ ...base(), codeLength: { min: 6, max: 8 } }).codeLength).toEqual({
      min: 6,
      max: 8,
    });
    const config = parseOptions({
      ...base(),
      messages: { title: "Vérification en deux étapes" },
      pages: { lang: "fr" },
    });
    expect(config.messages.title).toBe("Vérification en deux étapes");
    expect(config.messages.send_button).toBe("Send code");
    expect(config.lang).toBe("fr");
  });

  it("opts in to whatsapp and email", () => {
    expect(parseOptions({ ...base(), channels: ["sms", "whatsapp", "email"] }).channels).toEqual([
      "sms",
      "whatsapp",
      "email",
    ]);
  });
});
