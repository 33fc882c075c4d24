import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { expect } from "vitest";

export const ACCOUNT_SID = `AC${"a1".repeat(16)}`;
export const AUTH_TOKEN = "f00dbabe".repeat(4);
export const SERVICE_SID = `VA${"b2".repeat(16)}`;
export const VERIFICATION_SID = `VE${"c3".repeat(16)}`;
export const PHONE = "+15017122661";

/** One request as the fake server saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  form: URLSearchParams;
  headers: IncomingMessage["headers"];
}

/** What a handler answers; `trickleMs` sends the body one byte at a time with that pause. */
export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  trickleMs?: number;
}

/** A throwaway stand-in for Twilio: counts requests and answers what the test says. */
export interface FakeTwilio {
  url: string;
  requests: SeenRequest[];
  answer(handler: (request: SeenRequest) => FakeAnswer): void;
  close(): Promise<void>;
}

export async function startFakeTwilio(): Promise<FakeTwilio> {
  const requests: SeenRequest[] = [];
  let handler: (request: SeenRequest) => FakeAnswer = () => ({ status: 500, body: { code: 20500 } });
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    for await (const chunk of req) raw += String(chunk);
    const seen: SeenRequest = {
      method: req.method ?? "",
      path: decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname),
      form: new URLSearchParams(raw),
      headers: req.headers,
    };
    requests.push(seen);
    const answer = handler(seen);
    const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? {});
    const contentType = typeof answer.body === "string" ? "text/html" : "application/json";
    const later = (ms: number, fn: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    };
    const respond = () => {
      if (res.destroyed) return;
      res.writeHead(answer.status, { "Content-Type": contentType, ...answer.headers });
      if (answer.trickleMs === undefined) {
        res.end(text);
        return;
      }
      let index = 0;
      const drip = () => {
        if (res.destroyed) return;
        if (index >= text.length) {
          res.end();
          return;
        }
        res.write(text.charAt(index++));
        later(answer.trickleMs ?? 0, drip);
      };
      drip();
    };
    if (answer.delayMs === undefined) respond();
    else later(answer.delayMs, respond);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    answer(next) {
      handler = next;
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** A Verify verification JSON as Twilio sends it. */
export function verificationJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sid: VERIFICATION_SID,
    service_sid: SERVICE_SID,
    account_sid: ACCOUNT_SID,
    to: PHONE,
    channel: "sms",
    status: "pending",
    valid: false,
    lookup: {},
    amount: null,
    payee: null,
    send_code_attempts: [
      { time: "2015-07-30T20:00:00Z", channel: "SMS", attempt_sid: `VL${"d4".repeat(16)}` },
    ],
    sna: null,
    date_created: "2015-07-30T20:00:00Z",
    date_updated: "2015-07-30T20:00:00Z",
    url: `https://verify.twilio.com/v2/Services/${SERVICE_SID}/Verifications/${VERIFICATION_SID}`,
    ...overrides,
  };
}

/** A Twilio error body in the legacy shape Verify uses. */
export function twilioError(code: number, status: number, message = "error"): FakeAnswer {
  return {
    status,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
  };
}

/** A port that nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

/** Awaits `work` and returns what it threw (fails the test if it did not throw). */
export async function thrown(work: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await work;
  } catch (error) {
    return error as Record<string, unknown> & Error;
  }
  throw new Error("expected a rejection");
}

/** Asserts that none of `secrets` appears anywhere in the error: message, stack, cause, JSON, inspect. */
export function expectNothingSecret(error: unknown, secrets: readonly string[]): void {
  const views = [
    String(error),
    JSON.stringify(error),
    JSON.stringify((error as { cause?: unknown }).cause ?? null),
    inspect(error, { depth: 10, showHidden: true }),
    (error as { stack?: string }).stack ?? "",
  ];
  for (const secret of secrets) {
    for (const view of views) {
      expect(view).not.toContain(secret);
      // The form body carries the number percent-encoded.
      expect(view).not.toContain(encodeURIComponent(secret));
    }
  }
}

/** Asserts the one outage error: code, 503, a small Retry-After. */
export function expectUnavailable(error: Record<string, unknown>): void {
  expect(error.code).toBe("ERR_SF_PROVIDER_UNAVAILABLE");
  expect(error.status).toBe(503);
  const retryAfter = Number((error.headers as Record<string, string>)["Retry-After"]);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(30);
}
