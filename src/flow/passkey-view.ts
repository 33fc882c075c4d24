/**
 * What the pages show of passkeys: the sign-in part of the challenge page and the "add a passkey" part
 * of the settings page, as view data. Nothing when the `webauthn` option is not set.
 */
import type { CoreConfig } from "../options/index.js";
import { PASSKEY_SCRIPT } from "../pages/passkey-script.js";
import type { PasskeyScriptView, PasskeySetupView, PasskeyView } from "../pages/view.js";
import type { SecondFactorRecord } from "../record/index.js";
import type { FlowContext } from "./context.js";

/**
 * The passkey part of the challenge page: offered when passkeys are on and the route that sent the
 * user here accepts them; `only` when it accepts nothing else (`phishingResistant`).
 * @example
 * const passkey = passkeyView(context, record); // { available: true, only: false, ... } or undefined
 */
export function passkeyView(context: FlowContext, record: SecondFactorRecord): PasskeyView | undefined {
  const { config, storedFactors } = context;
  if (config.webauthn === undefined) return undefined;
  const accepted = record.requirement?.channels;
  if (accepted !== undefined && !accepted.includes("passkey")) return undefined;
  return {
    available: storedFactors.some((factor) => factor.kind === "passkey"),
    only: accepted !== undefined && accepted.length === 1,
    actions: { options: `${config.basePath}/passkey/options`, verify: `${config.basePath}/passkey` },
    script: passkeyScriptView(config),
    settings: `${config.basePath}/setup`,
  };
}

/**
 * The "add a passkey" part of the settings page, when passkeys are on.
 * @example
 * const passkey = passkeySetupView(context);
 */
export function passkeySetupView(context: FlowContext): PasskeySetupView | undefined {
  const { config } = context;
  if (config.webauthn === undefined) return undefined;
  return {
    actions: {
      options: `${config.basePath}/setup/passkey/options`,
      register: `${config.basePath}/setup/passkey`,
    },
    script: passkeyScriptView(config),
    firstFactor: !context.hasFactor,
  };
}

/**
 * The script tag's attributes: its versioned URL under the base path and its SRI hash.
 * @example
 * passkeyScriptView(config); // { src: "/2fa/passkey.0123456789abcdef.js", integrity: "sha256-..." }
 */
export function passkeyScriptView(config: Pick<CoreConfig<unknown>, "basePath">): PasskeyScriptView {
  return { src: `${config.basePath}/${PASSKEY_SCRIPT.fileName}`, integrity: PASSKEY_SCRIPT.integrity };
}
