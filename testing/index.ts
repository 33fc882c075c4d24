/**
 * `second-factor/testing`: a local Twilio Verify v2 emulator for development and tests (it sends
 * nothing, shows every code in its inbox, and binds to 127.0.0.1 unless told otherwise), and the
 * conformance suite for factor stores, your own included (`factorStoreConformance`).
 * @example
 * import { startEmulator } from "second-factor/testing";
 * const emu = await startEmulator();
 * console.log(emu.url, emu.defaultServiceSid);
 * await emu.close();
 * @packageDocumentation
 */

export type {
  DeliveredMessage,
  EmulatorChannel,
  EmulatorFault,
  EmulatorFaultPath,
  EmulatorOptions,
  VerifyEmulator,
} from "../emulator/index.js";
export { startEmulator } from "../emulator/index.js";
export {
  type FactorStoreConformanceOptions,
  factorStoreConformance,
} from "../src/stores/conformance.js";
