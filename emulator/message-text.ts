import type { EmulatorChannel } from "./types.js";

/** What a delivered message is made of. */
export interface MessageInput {
  channel: EmulatorChannel;
  code: string;
  /** The service's friendly name, or the verification's `CustomFriendlyName`. */
  appName: string;
  /** The service's `do_not_share_warning_enabled` (SMS only, as at Twilio). */
  doNotShareWarning: boolean;
}

/** The text a person would read or hear, modelled on Twilio Verify's English templates. */
export function renderMessage(input: MessageInput): string {
  const { code, appName } = input;
  switch (input.channel) {
    case "sms":
      return input.doNotShareWarning
        ? `Your ${appName} verification code is: ${code}. Don’t share this code with anyone; our employees will never ask for the code.`
        : `Your ${appName} verification code is: ${code}`;
    case "whatsapp":
      return `*${code}* is your verification code. For your security, do not share this code.`;
    case "call": {
      const spoken = [...code].join(", ");
      return `(Voice call) Your ${appName} verification code is: ${spoken}. Once again, your code is: ${spoken}. Goodbye.`;
    }
    case "email":
      return [
        `Subject: Your ${appName} verification code`,
        "",
        `Your ${appName} verification code is: ${code}`,
        "",
        "This code expires in 10 minutes. If you did not request it, you can ignore this e-mail.",
      ].join("\n");
  }
}
