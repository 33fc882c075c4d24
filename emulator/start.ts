import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCa, loadCa, type PemPair } from "./certificates.js";
import { EmulatorError } from "./emulator-error.js";
import { resolveOptions } from "./emulator-options.js";
import { EmulatorState } from "./emulator-state.js";
import { FaultInputError, parseFault } from "./faults.js";
import { exactHosts, listenerHosts } from "./hosts.js";
import { attachProxy, VERIFY_HOST } from "./proxy.js";
import { createRequestListener, filterMessages, type HostCheck } from "./server.js";
import { defaultService } from "./services.js";
import { currentTotpCode } from "./totp-api.js";
import type { EmulatorFault, EmulatorOptions, VerifyEmulator } from "./types.js";

/** The base URL clients should use: a wildcard bind is reached on loopback; IPv6 gets brackets. */
function baseUrl(host: string, address: AddressInfo): string {
  let shown = host;
  if (host === "0.0.0.0") shown = "127.0.0.1";
  else if (host === "::") shown = "::1";
  else if (host.toLowerCase() === "localhost") shown = address.address;
  return `http://${shown.includes(":") ? `[${shown}]` : shown}:${address.port}`;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off("listening", onListening);
      const reason = error.code === "EADDRINUSE" ? `port ${port} is already in use` : error.message;
      reject(
        new EmulatorError(
          "ERR_SF_MISCONFIGURED",
          `Verify emulator could not listen on ${host}:${port}: ${reason}`,
          { cause: error },
        ),
      );
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve(server.address() as AddressInfo);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}

/**
 * Starts a local Twilio Verify v2 emulator (a development and test tool: nothing is really sent;
 * every code shows in `GET /inbox` and `emu.messages()`). Point the `twilio` SDK at `emu.url` with an
 * `httpClient` that rewrites the host.
 * @example
 * import { startEmulator } from "second-factor/testing";
 * const emu = await startEmulator();
 * // ... run the app against emu.url and emu.defaultServiceSid, then:
 * const code = emu.lastCode("+15017122661");
 * await emu.close();
 */
export async function startEmulator(options?: EmulatorOptions): Promise<VerifyEmulator> {
  const resolved = resolveOptions(options);
  const state = new EmulatorState(resolved.credentials?.accountSid);
  const service = defaultService(state.clock.now());
  state.services.set(service.sid, service);

  const pending = new Set<{ timer: NodeJS.Timeout; resolve: (alive: boolean) => void }>();
  let closed = false;
  const delay = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (closed) return resolve(false);
      const entry = {
        timer: setTimeout(() => {
          pending.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      pending.add(entry);
    });

  let hosts: HostCheck = exactHosts([]);
  const server = createServer(
    createRequestListener(state, resolved, delay, {
      allows: (host) => hosts.allows(host),
      describe: () => hosts.describe(),
    }),
  );
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("clientError", (_error, socket) => {
    // Unparseable HTTP: answer in Twilio's shape when the socket still takes it, then hang up.
    if (socket.writable) {
      const body = JSON.stringify({
        code: 20400,
        message: "Bad Request",
        more_info: "https://www.twilio.com/docs/errors/20400",
        status: 400,
      });
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    } else {
      socket.destroy();
    }
  });

  let proxy: { ca: PemPair; dir: string; caFile: string } | undefined;
  if (resolved.proxy !== undefined) {
    const ca = resolved.proxy.ca === undefined ? await createCa() : loadCa(resolved.proxy.ca);
    const viaProxy = exactHosts([VERIFY_HOST, `${VERIFY_HOST}:443`]);
    await attachProxy(server, ca, createRequestListener(state, resolved, delay, viaProxy), resolved.log);
    const dir = await mkdtemp(join(tmpdir(), "second-factor-emulator-"));
    const caFile = join(dir, "ca.pem");
    await writeFile(caFile, ca.cert, { mode: 0o644 });
    proxy = { ca, dir, caFile };
  }

  let address: AddressInfo;
  try {
    address = await listen(server, resolved.port, resolved.host);
  } catch (error) {
    if (proxy !== undefined) await rm(proxy.dir, { recursive: true, force: true });
    throw error;
  }
  hosts = listenerHosts(resolved.host, address.port);
  const url = baseUrl(resolved.host, address);
  resolved.log(`Verify emulator (development/test tool, not Twilio; nothing is really sent): ${url}`);

  let closing: Promise<void> | undefined;
  return {
    url,
    proxy:
      proxy === undefined
        ? undefined
        : {
            url,
            caFile: proxy.caFile,
            caCert: proxy.ca.cert,
            env: { HTTP_PROXY: url, HTTPS_PROXY: url, NODE_EXTRA_CA_CERTS: proxy.caFile },
          },
    defaultServiceSid: service.sid,
    accountSid: state.accountSid,
    messages: (filter) => filterMessages(state, filter?.to),
    lastCode: (to) => filterMessages(state, to).at(-1)?.code,
    advanceClock: (ms) => state.clock.advance(ms),
    now: () => state.clock.now(),
    totpCode: (factorSid, offsetSteps = 0) => currentTotpCode(state, factorSid, offsetSteps),
    addFault: (fault: EmulatorFault) => {
      try {
        state.faults.add(parseFault(fault));
      } catch (error) {
        if (error instanceof FaultInputError) {
          throw new EmulatorError("ERR_SF_INVALID_OPTION", `addFault: ${error.message}`);
        }
        throw error;
      }
    },
    reset: () => state.reset(),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        for (const entry of pending) {
          clearTimeout(entry.timer);
          entry.resolve(false);
        }
        pending.clear();
        server.close(() => {
          if (proxy === undefined) resolve();
          else
            rm(proxy.dir, { recursive: true, force: true }).then(
              () => resolve(),
              () => resolve(),
            );
        });
        // keep-alive sockets (the twilio SDK uses them) would hold close() open
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
