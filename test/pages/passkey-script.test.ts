// The passkey script: progressive enhancement (nothing appears without WebAuthn), the CSRF header,
// base64url <-> ArrayBuffer, same-origin redirects only, and errors announced next to the button.
// Run in a vm with a small fake DOM; the browser suite runs it in Chromium with the flow.
import { createHash } from "node:crypto";
import { Script } from "node:vm";
import { describe, expect, it } from "vitest";
import { PASSKEY_SCRIPT } from "../../src/pages/passkey-script.js";

type Listener = () => void;

class FakeElement {
  hidden = true;
  disabled = false;
  textContent = "";
  checked = false;
  value = "";
  readonly listeners: Listener[] = [];
  constructor(
    readonly attributes: Record<string, string> = {},
    readonly children: Record<string, FakeElement> = {},
  ) {}
  getAttribute(name: string): string | null {
    return this.attributes[name] ?? null;
  }
  querySelector(selector: string): FakeElement | null {
    return this.children[selector] ?? null;
  }
  addEventListener(_type: string, listener: Listener): void {
    this.listeners.push(listener);
  }
  click(): void {
    for (const listener of this.listeners) listener();
  }
}

const b64 = (bytes: number[]) => Buffer.from(bytes).toString("base64url");

function page(options: {
  webauthn?: boolean;
  ceremony?: string;
  answers: { status: number; json: unknown }[];
  credential?: unknown;
}) {
  const button = new FakeElement();
  const status = new FakeElement({ role: "status" });
  const remember = new FakeElement();
  const container = new FakeElement(
    {
      "data-passkey": options.ceremony ?? "authenticate",
      "data-options-url": "/2fa/passkey/options",
      "data-submit-url": "/2fa/passkey",
    },
    { "[data-passkey-start]": button, "[data-passkey-status]": status, 'input[name="remember"]': remember },
  );
  const meta = new FakeElement({ content: "csrf-token-1" });
  const requests: { url: string; init: { headers: Record<string, string>; body: string; method: string } }[] =
    [];
  const calls: { get: unknown[]; create: unknown[]; assign: string[] } = { get: [], create: [], assign: [] };
  const answers = [...options.answers];
  const credential = options.credential ?? {
    id: b64([1, 2, 3]),
    rawId: new Uint8Array([1, 2, 3]).buffer,
    type: "public-key",
    authenticatorAttachment: "platform",
    getClientExtensionResults: () => ({}),
    response: {
      clientDataJSON: new Uint8Array([123, 125]).buffer,
      authenticatorData: new Uint8Array([250, 251, 252]).buffer,
      signature: new Uint8Array([0, 255, 62, 63]).buffer,
      userHandle: null,
    },
  };
  const context = {
    document: {
      querySelectorAll: (selector: string) => (selector === "[data-passkey]" ? [container] : []),
      querySelector: (selector: string) => (selector === 'meta[name="second-factor-csrf"]' ? meta : null),
    },
    navigator: {
      credentials: {
        get: (request: unknown) => {
          calls.get.push(request);
          return typeof credential === "function" ? credential() : Promise.resolve(credential);
        },
        create: (request: unknown) => {
          calls.create.push(request);
          return typeof credential === "function" ? credential() : Promise.resolve(credential);
        },
      },
    },
    fetch: (url: string, init: (typeof requests)[number]["init"]) => {
      requests.push({ url, init });
      const answer = answers.shift() ?? { status: 500, json: {} };
      return Promise.resolve({
        ok: answer.status < 400,
        status: answer.status,
        json: () => Promise.resolve(answer.json),
      });
    },
    location: {
      href: "https://example.com/2fa",
      origin: "https://example.com",
      assign: (to: string) => calls.assign.push(to),
    },
    atob,
    btoa,
    URL,
    Uint8Array,
    Object,
    String,
    JSON,
    Promise,
    PublicKeyCredential: options.webauthn === false ? undefined : function PublicKeyCredential() {},
  };
  (context as Record<string, unknown>).window = context;
  new Script(PASSKEY_SCRIPT.source).runInNewContext(context);
  const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
  return { container, button, status, remember, requests, calls, settle };
}

describe("the passkey script", () => {
  it("is served by a name, integrity value and CSP source that all follow its content", () => {
    const hash = createHash("sha256").update(PASSKEY_SCRIPT.source).digest();
    expect(PASSKEY_SCRIPT.integrity).toBe(`sha256-${hash.toString("base64")}`);
    expect(PASSKEY_SCRIPT.cspSource).toBe(`'sha256-${hash.toString("base64")}'`);
    expect(PASSKEY_SCRIPT.fileName).toBe(`passkey.${hash.toString("hex").slice(0, 16)}.js`);
    expect(PASSKEY_SCRIPT.headers).toMatchObject({
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": "public, max-age=31536000, immutable",
    });
  });

  it("leaves the passkey buttons hidden and does nothing where WebAuthn is missing", () => {
    const { container, requests } = page({ webauthn: false, answers: [] });
    expect(container.hidden).toBe(true);
    expect(container.listeners).toHaveLength(0);
    expect(requests).toHaveLength(0);
  });

  it("signs in: options with the CSRF header, get() with ArrayBuffers, the assertion in base64url, then the redirect", async () => {
    const { container, button, remember, requests, calls, settle } = page({
      answers: [
        {
          status: 200,
          json: {
            options: {
              challenge: b64([9, 8, 7]),
              allowCredentials: [{ id: b64([1, 2, 3]), type: "public-key" }],
            },
          },
        },
        { status: 200, json: { redirect: "/account" } },
      ],
    });
    expect(container.hidden).toBe(false);
    remember.checked = true;
    button.click();
    expect(button.disabled).toBe(true);
    await settle();
    expect(
      requests.map((request) => [request.url, request.init.method, request.init.headers["x-csrf-token"]]),
    ).toEqual([
      ["/2fa/passkey/options", "POST", "csrf-token-1"],
      ["/2fa/passkey", "POST", "csrf-token-1"],
    ]);
    expect(requests[0]?.init.headers["Content-Type"]).toBe("application/json");
    const publicKey = (
      calls.get[0] as { publicKey: { challenge: ArrayBuffer; allowCredentials: { id: ArrayBuffer }[] } }
    ).publicKey;
    expect([...new Uint8Array(publicKey.challenge)]).toEqual([9, 8, 7]);
    expect([...new Uint8Array(publicKey.allowCredentials[0]?.id ?? new ArrayBuffer(0))]).toEqual([1, 2, 3]);
    expect(JSON.parse(requests[1]?.init.body ?? "")).toEqual({
      credential: {
        id: b64([1, 2, 3]),
        rawId: b64([1, 2, 3]),
        type: "public-key",
        authenticatorAttachment: "platform",
        clientExtensionResults: {},
        response: {
          clientDataJSON: b64([123, 125]),
          authenticatorData: b64([250, 251, 252]),
          signature: b64([0, 255, 62, 63]),
        },
      },
      remember: "1",
    });
    expect(calls.assign).toEqual(["https://example.com/account"]);
  });

  it("registers with create(): user id and excluded credentials decoded, attestation and transports encoded", async () => {
    const credential = {
      id: b64([5]),
      rawId: new Uint8Array([5]).buffer,
      type: "public-key",
      response: {
        clientDataJSON: new Uint8Array([1]).buffer,
        attestationObject: new Uint8Array([2, 3]).buffer,
        getTransports: () => ["internal"],
      },
    };
    const { button, requests, calls, settle } = page({
      ceremony: "register",
      credential,
      answers: [
        {
          status: 200,
          json: {
            options: {
              challenge: b64([1]),
              user: { id: b64([42]), name: "alice" },
              excludeCredentials: [{ id: b64([7]) }],
            },
          },
        },
        { status: 200, json: { message: "Passkey added." } },
      ],
    });
    button.click();
    await settle();
    const publicKey = (
      calls.create[0] as {
        publicKey: { user: { id: ArrayBuffer }; excludeCredentials: { id: ArrayBuffer }[] };
      }
    ).publicKey;
    expect([...new Uint8Array(publicKey.user.id)]).toEqual([42]);
    expect([...new Uint8Array(publicKey.excludeCredentials[0]?.id ?? new ArrayBuffer(0))]).toEqual([7]);
    expect(JSON.parse(requests[1]?.init.body ?? "").credential.response).toEqual({
      clientDataJSON: b64([1]),
      attestationObject: b64([2, 3]),
      transports: ["internal"],
    });
    expect(calls.assign).toEqual([]);
  });

  it.each([
    ["cancelled, or no passkey on this device", "NotAllowedError", /cancelled .* no passkey/],
    ["a passkey already on this device", "InvalidStateError", /could not be used/],
    ["an address passkeys do not work on", "SecurityError", /not available at this address/],
  ])("announces %s next to the button and lets the user try again", async (_, name, message) => {
    const error = Object.assign(new Error("x"), { name });
    const { button, status, requests, settle } = page({
      credential: () => Promise.reject(error),
      answers: [{ status: 200, json: { options: { challenge: b64([1]) } } }],
    });
    button.click();
    await settle();
    expect(status.textContent).toMatch(message);
    expect(button.disabled).toBe(false);
    expect(requests).toHaveLength(1);
  });

  it("shows the server's refusal, and follows no redirect to another origin", async () => {
    const refused = page({
      answers: [
        { status: 200, json: { options: { challenge: b64([1]) } } },
        { status: 403, json: { error: "csrf", message: "This form has expired. Reload the page." } },
      ],
    });
    refused.button.click();
    await refused.settle();
    expect(refused.status.textContent).toBe("This form has expired. Reload the page.");
    const elsewhere = page({
      answers: [
        { status: 200, json: { options: { challenge: b64([1]) } } },
        { status: 200, json: { redirect: "https://evil.test/" } },
      ],
    });
    elsewhere.button.click();
    await elsewhere.settle();
    expect(elsewhere.calls.assign).toEqual([]);
    expect(elsewhere.button.disabled).toBe(false);
  });
});
