/** A delivery channel the emulator can send a code on. */
export type EmulatorChannel = "sms" | "call" | "email" | "whatsapp";

/**
 * Options of {@link startEmulator}. Validated once; unknown keys are rejected.
 * @example
 * const emu = await startEmulator({ port: 0, credentials: { accountSid, authToken } });
 */
export interface EmulatorOptions {
  /**
   * TCP port; `0` picks a free one (read it back from `emu.url`).
   * @default 0
   */
  port?: number;
  /**
   * Interface to bind. Anything but a loopback address (`127.0.0.1`, `::1`, `localhost`) also needs
   * `allowRemote`, a `token` and `credentials`.
   * @default "127.0.0.1"
   */
  host?: string;
  /**
   * Allow binding a non-loopback host. The emulator shows every code in its inbox: never expose it to
   * people you do not trust.
   * @default false
   */
  allowRemote?: boolean;
  /**
   * Bearer token (at least 16 characters) for the inbox and the control API, sent as
   * `Authorization: Bearer <token>` or `?token=<token>`. When set, it is required on every inbox and
   * control request, whatever the host.
   */
  token?: string;
  /**
   * When set, the Verify API accepts only this Basic auth pair (else 20003). When unset, any Basic
   * auth is accepted (but some Basic auth is still required).
   */
  credentials?: { accountSid: string; authToken: string };
  /**
   * Receives one line per event (start banner, requests). Lines never contain codes.
   * @default no logging
   */
  log?: (line: string) => void;
  /**
   * Largest request body accepted, in bytes; larger bodies get 413.
   * @default 65536
   */
  maxBodyBytes?: number;
  /**
   * How long a client may take to send its request body before it gets 408 and the connection is
   * closed.
   * @default 10000
   */
  bodyTimeoutMs?: number;
  /**
   * Proxy mode: the emulator also accepts HTTP `CONNECT verify.twilio.com:443` and answers as Verify
   * behind TLS, so any Twilio SDK reaches it with only `HTTP_PROXY`/`HTTPS_PROXY` and a trusted CA set
   * (see `emu.proxy.env`). Other `*.twilio.com` hosts get a Twilio-shaped 20404, every other host is
   * refused; nothing is ever forwarded. `true` creates a CA at start; `{ ca }` uses yours (PEM: a CA
   * certificate and its unencrypted RSA key), so that a CA installed once stays trusted.
   * @default false
   */
  proxy?: boolean | { ca: { cert: string; key: string } };
}

/**
 * What proxy mode gives: the proxy address, the CA to trust, and the environment to set.
 * @example
 * spawn("node", ["app.js"], { env: { ...process.env, ...emu.proxy?.env } });
 */
export interface EmulatorProxy {
  /** The proxy's URL: the emulator's own address, e.g. `http://127.0.0.1:4010`. */
  readonly url: string;
  /** A file holding the CA certificate (PEM), for `NODE_EXTRA_CA_CERTS` or the system store. */
  readonly caFile: string;
  /** The CA certificate (PEM). */
  readonly caCert: string;
  /** `HTTP_PROXY` (twilio-node, twilio-cli), `HTTPS_PROXY` (Python's requests) and `NODE_EXTRA_CA_CERTS`. */
  readonly env: Readonly<{ HTTP_PROXY: string; HTTPS_PROXY: string; NODE_EXTRA_CA_CERTS: string }>;
}

/**
 * One code the emulator "delivered" (each send and each resend).
 * @example
 * const [first] = emu.messages({ to: "+15017122661" });
 * console.log(first?.body); // "Your Verify Emulator verification code is: 123456"
 */
export interface DeliveredMessage {
  /** The destination, normalised (E.164 for phones, lower-case for e-mail). */
  to: string;
  channel: EmulatorChannel;
  /** The code, as a string (it may start with 0). */
  code: string;
  /** The text a person would have read (the e-mail's subject and body; a call's transcript). */
  body: string;
  /** The `VE…` SID of the verification. */
  verificationSid: string;
  /** The `VA…` SID of the service. */
  serviceSid: string;
  /** ISO 8601 on the emulator's clock, e.g. `2015-07-30T20:00:00Z`. */
  dateCreated: string;
}

/** Which requests an {@link EmulatorFault} applies to. */
export type EmulatorFaultPath =
  /** `POST /v2/Services/{sid}/Verifications` (a send). */
  | "Verifications"
  /** `POST /v2/Services/{sid}/VerificationCheck`. */
  | "VerificationCheck"
  /** `POST /v2/Services/{sid}/Verifications/{sidOrTo}` (cancel or approve). */
  | "VerificationUpdate"
  /** `GET /v2/Services/{sid}/Verifications/{sidOrTo}`. */
  | "VerificationFetch";

/**
 * A scripted failure or delay for the next matching requests. With `status` or `code`, the request
 * gets that Twilio error (after `delayMs`) and has no effect; with only `delayMs`, the real answer
 * comes late (how tests simulate a timeout).
 * @example
 * emu.addFault({ path: "Verifications", status: 503 });              // 20500-style outage
 * emu.addFault({ path: "Verifications", code: 60410 });              // Fraud Guard block, 403
 * emu.addFault({ path: "VerificationCheck", delayMs: 5_000 });       // slow Twilio
 */
export interface EmulatorFault {
  path: EmulatorFaultPath;
  /** HTTP status, 400–599. Derived from `code` when omitted (e.g. 60203 -> 429). */
  status?: number;
  /**
   * Twilio error code. Defaults: 20500 for 5xx, 20429 for 429, 20404 for 404, 20003 for 401,
   * 60200 for 400, 20403 for 403.
   */
  code?: number;
  /** Error message; defaults to Twilio's message for `code`. */
  message?: string;
  /** Wait this long before answering. @default 0 */
  delayMs?: number;
  /** How many matching requests this fault applies to. @default 1 */
  times?: number;
  /** Only requests for this destination (the `To` field, or the `To` in the path) match. */
  to?: string;
}

/**
 * A running emulator. Everything it holds lives in memory and is lost on `close()`.
 * @example
 * const emu = await startEmulator();
 * const client = twilio(accountSid, authToken, { httpClient: emulatorHttpClient(emu.url) });
 * await client.verify.v2.services(emu.defaultServiceSid).verifications.create({ to, channel: "sms" });
 * const code = emu.lastCode(to);
 * await emu.close();
 */
export interface VerifyEmulator {
  /** Base URL, e.g. `http://127.0.0.1:4010` (no trailing slash). */
  readonly url: string;
  /** The `VA…` SID of the service created at start (every channel configured). */
  readonly defaultServiceSid: string;
  /**
   * The configured `AC…` SID, or a random one: the `account_sid` answered to callers whose Basic-auth
   * user is not an `AC…` SID (others see their own).
   */
  readonly accountSid: string;
  /** Set in proxy mode (`proxy` option): the proxy URL, the CA and the environment to set. */
  readonly proxy: EmulatorProxy | undefined;
  /** Delivered messages, oldest first; `to` is normalised before matching. */
  messages(filter?: { to?: string }): DeliveredMessage[];
  /** The code of the newest message to `to`, if any. */
  lastCode(to: string): string | undefined;
  /** Moves the emulator's clock forward (expiry and send windows follow it). */
  advanceClock(ms: number): void;
  /** The emulator's clock, in epoch milliseconds. */
  now(): number;
  /**
   * The virtual authenticator: the current code of a Verify TOTP factor (`YF...`) on the emulator's
   * clock, or `offsetSteps` time steps away from it; undefined for an unknown factor.
   * @example
   * await provider.verify({ accountId, stored, code: emu.totpCode(factorSid)! });
   */
  totpCode(factorSid: string, offsetSteps?: number): string | undefined;
  /** Adds a fault (validated like `POST /control/faults`; throws on bad input). */
  addFault(fault: EmulatorFault): void;
  /** Drops verifications, messages, faults and send windows; keeps services and the clock. */
  reset(): void;
  /** Stops listening and closes every connection, keep-alive ones included. Idempotent. */
  close(): Promise<void>;
}
