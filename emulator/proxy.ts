import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { createSecureContext, type SecureContext } from "node:tls";
import { issueServerCertificate, type PemPair, serverKeyPair } from "./certificates.js";
import { closeIfBodyUnread, sendTwilioError } from "./replies.js";
import { twilioError } from "./twilio-errors.js";

/** The one host the proxy answers as Verify; every other Twilio host gets a Twilio-shaped refusal. */
export const VERIFY_HOST = "verify.twilio.com";

function isTwilioHost(host: string): boolean {
  return host === "twilio.com" || host.endsWith(".twilio.com");
}

/** `host:port` of a CONNECT request, lower-cased, or undefined when it is not one. */
function connectTarget(target: string | undefined): { host: string; port: number } | undefined {
  const match = /^([a-z0-9.-]+):(\d{1,5})$/i.exec(target ?? "");
  if (!match?.[1] || !match[2]) return undefined;
  return { host: match[1].toLowerCase(), port: Number(match[2]) };
}

function refuseTunnel(socket: Duplex, message: string): void {
  const body = JSON.stringify({ error: message });
  socket.end(
    `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Makes `server` an HTTPS proxy for Twilio's hosts only: `CONNECT verify.twilio.com:443` is
 * terminated with a certificate of `ca` and served by `verifyListener`; other `*.twilio.com:443`
 * hosts get a Twilio-shaped error from inside the tunnel; anything else is refused. Nothing is ever
 * forwarded to the internet.
 */
export async function attachProxy(
  server: Server,
  ca: PemPair,
  verifyListener: RequestListener,
  log: (line: string) => void,
): Promise<void> {
  const keys = await serverKeyPair();
  const contexts = new Map<string, SecureContext>();
  const contextFor = (host: string): SecureContext => {
    let context = contexts.get(host);
    if (context === undefined) {
      const leaf = issueServerCertificate(ca, keys, host);
      context = createSecureContext({ cert: leaf.cert, key: leaf.key });
      contexts.set(host, context);
    }
    return context;
  };
  const verify = issueServerCertificate(ca, keys, VERIFY_HOST);
  const tls = createHttpsServer(
    {
      cert: verify.cert,
      key: verify.key,
      SNICallback: (servername, done) => {
        const host = servername.toLowerCase();
        if (isTwilioHost(host)) done(null, contextFor(host));
        else done(new Error(`the emulator's proxy serves only Twilio hosts, not ${host}`));
      },
    },
    (req: IncomingMessage, res: ServerResponse) => {
      const host = (req.headers.host ?? "").toLowerCase().replace(/:443$/, "");
      if (host === VERIFY_HOST) return verifyListener(req, res);
      closeIfBodyUnread(req, res);
      log(`${req.method ?? "?"} https://${host}${req.url ?? ""} 404 (not emulated)`);
      sendTwilioError(
        res,
        twilioError(20404, {
          message: `The second-factor Verify emulator serves only ${VERIFY_HOST}; ${host || "this host"} is not emulated and nothing was sent to Twilio`,
        }),
      );
    },
  );
  tls.on("tlsClientError", (error) => log(`proxy TLS error: ${error.message}`));

  server.on("connect", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const target = connectTarget(req.url);
    if (target === undefined || !isTwilioHost(target.host) || target.port !== 443) {
      log(`CONNECT ${req.url ?? ""} 403`);
      return refuseTunnel(
        socket,
        `This is the second-factor Verify emulator: it answers only for ${VERIFY_HOST}:443 and forwards nothing; refused CONNECT ${req.url ?? ""}`,
      );
    }
    log(`CONNECT ${target.host}:443 200`);
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) socket.unshift(head);
    tls.emit("connection", socket);
  });
}
