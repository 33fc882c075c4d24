/**
 * Requests for the micro-benchmark: real ones. The app is served on 127.0.0.1, the real flow
 * verifies a session, and one real request to a capture route hands over its `req` (Express) or
 * `ctx` (Koa): framework objects of the app's own shape, with the session the session middleware
 * loaded from its store.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express, Request, Response } from "express";
import type Koa from "koa";
import type { Context } from "koa";
import type { VerifyEmulator } from "../../testing/index.js";
import { expectStatus, HttpClient } from "../lib/http-client.js";
import { verifiedCookie } from "../lib/warmup.js";

/** The route whose request is kept. */
const CAPTURE_PATH = "/capture";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Serves `listener`, verifies user `u<n>` through the real flow, then requests the capture route. */
async function captureThrough(listener: Listener, emulator: VerifyEmulator, n: number): Promise<void> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cookie = await verifiedCookie(url, emulator, n);
    const client = new HttpClient(url);
    expectStatus(
      "capture",
      await client.send({ method: "GET", path: CAPTURE_PATH, headers: { cookie } }),
      200,
    );
    client.close();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/**
 * A real Express `req`/`res` of `app` carrying user `u<n>`'s verified session.
 * @example
 * const { req, res } = await capturedExpressRequest(built.app, emulator, 1);
 */
export async function capturedExpressRequest(
  app: Express,
  emulator: VerifyEmulator,
  n: number,
): Promise<{ req: Request; res: Response }> {
  let captured: { req: Request; res: Response } | undefined;
  app.get(CAPTURE_PATH, (req, res) => {
    captured = { req, res };
    res.send("captured");
  });
  await captureThrough(app as unknown as Listener, emulator, n);
  if (captured === undefined) throw new Error("the capture route was not reached");
  return captured;
}

/**
 * A real Koa `ctx` of `app` carrying user `u<n>`'s verified session.
 * @example
 * const ctx = await capturedKoaContext(built.app, emulator, 3);
 */
export async function capturedKoaContext(app: Koa, emulator: VerifyEmulator, n: number): Promise<Context> {
  let captured: Context | undefined;
  app.use(async (ctx, next) => {
    if (ctx.path !== CAPTURE_PATH) return next();
    captured = ctx;
    ctx.body = "captured";
  });
  await captureThrough(app.callback(), emulator, n);
  if (captured === undefined) throw new Error("the capture route was not reached");
  return captured;
}

/**
 * The session object of a request or context.
 * @throws Error when the session middleware left none.
 * @example
 * sessionData(req).extra = "x";
 */
export function sessionData(holder: Request | Context): Record<string, unknown> {
  const session = (holder as { session?: unknown }).session;
  if (typeof session !== "object" || session === null) throw new Error("the request has no loaded session");
  return session as Record<string, unknown>;
}
