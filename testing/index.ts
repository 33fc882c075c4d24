/**
 * `second-factor/testing`: a local Twilio Verify v2 emulator for development and tests (it sends
 * nothing, shows every code in its inbox, and binds to 127.0.0.1 unless told otherwise), and the
 * conformance suite for factor stores, your own included (`factorStoreConformance`).
 * @example
 * import twilio from "twilio";
 * import { emulatorHttpClient, startEmulator } from "second-factor/testing";
 * const emu = await startEmulator();
 * const client = twilio(`AC${"0".repeat(32)}`, "any-token", { httpClient: emulatorHttpClient(emu.url) });
 * await emu.close();
 * @packageDocumentation
 */

// Everything the emulator exports (startEmulator and its types), as its entry names it.
export * from "../emulator/index.js";
// The emulator never imports the library (DESIGN §2); the one client both use lives with the provider.
export { emulatorHttpClient } from "../src/providers/twilio/emulator-client.js";
export {
  type FactorStoreConformanceOptions,
  factorStoreConformance,
} from "../src/stores/conformance.js";
