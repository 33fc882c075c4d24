/**
 * The Twilio Verify v2 emulator, a program of its own: `startEmulator()` for tests and the bin
 * `second-factor-emulator` (cli.ts). It imports nothing from the library's `src/`; the package
 * exports it through `second-factor/testing`.
 * @packageDocumentation
 */

export { startEmulator } from "./start.js";
export type {
  DeliveredMessage,
  EmulatorChannel,
  EmulatorFault,
  EmulatorFaultPath,
  EmulatorOptions,
  EmulatorProxy,
  VerifyEmulator,
} from "./types.js";
