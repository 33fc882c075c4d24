import twilio from "twilio";

/**
 * A `twilio` SDK `RequestClient` that sends every `https://*.twilio.com` call to `target` (e.g. the
 * local Verify emulator at `http://127.0.0.1:4010`), keeping the SDK's auth, form encoding and error
 * mapping. The rewrite happens after the SDK's edge/region handling, so it holds whatever those are.
 * Exported from `second-factor/testing`; it answers the `request(opts)` interface twilio-node 3 to 6
 * call. `options.timeoutMs` is the SDK's per-request timeout (default: the SDK's own).
 * @example
 * import twilio from "twilio";
 * import { emulatorHttpClient, startEmulator } from "second-factor/testing";
 * const emu = await startEmulator();
 * const client = twilio(accountSid, authToken, { httpClient: emulatorHttpClient(emu.url) });
 */
export function emulatorHttpClient(
  target: string,
  options: { timeoutMs?: number } = {},
): InstanceType<typeof twilio.RequestClient> {
  const base = new URL(target);
  const client = new twilio.RequestClient(
    options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs },
  );
  const send = client.request.bind(client);
  client.request = (opts) => {
    const url = new URL(opts.uri);
    url.protocol = base.protocol;
    url.host = base.host;
    return send({ ...opts, uri: url.toString() });
  };
  return client;
}
