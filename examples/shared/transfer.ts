/**
 * The demo transfer form's validation: an amount in dollars and a recipient's name. Nothing is sent
 * anywhere; the form exists to show step-up.
 */
import type { FieldError } from "./pages.js";

/** The transfer form's fields as typed. */
export interface TransferInput {
  readonly amount: string;
  readonly recipient: string;
}

/** A checked transfer: the amount with two decimals, the recipient trimmed. */
export interface Transfer {
  readonly amount: string;
  readonly recipient: string;
}

/**
 * The largest amount the demo accepts, in dollars.
 * @default 10000
 * @example
 * validateTransfer({ amount: String(MAX_TRANSFER_DOLLARS + 1), recipient: "Dave" }).ok; // false
 */
export const MAX_TRANSFER_DOLLARS = 10_000;
const AMOUNT = /^(\d{1,5})(?:\.(\d{1,2}))?$/;

/**
 * Checks the transfer form: `amount` from 0.01 to 10,000 with at most two decimals, `recipient` 1 to 64
 * printable characters.
 * @example
 * validateTransfer({ amount: "12.5", recipient: "Dave" }); // { ok: true, transfer: { amount: "12.50", recipient: "Dave" } }
 */
export function validateTransfer(
  input: TransferInput,
): { ok: true; transfer: Transfer } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const amountText = input.amount.trim().replace(/^\$/, "");
  const match = AMOUNT.exec(amountText);
  const cents =
    match === null ? Number.NaN : Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  if (!Number.isFinite(cents) || cents < 1 || cents > MAX_TRANSFER_DOLLARS * 100) {
    errors.push({
      field: "amount",
      message: `Enter an amount from 0.01 to ${MAX_TRANSFER_DOLLARS.toLocaleString("en-US")}, e.g. 25 or 12.50.`,
    });
  }
  const recipient = input.recipient.trim();
  // Printable characters only: no control characters reach the page or a log.
  if (recipient.length === 0 || recipient.length > 64 || /\p{Cc}/u.test(recipient)) {
    errors.push({ field: "recipient", message: "Enter who gets the money (1 to 64 characters)." });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, transfer: { amount: (cents / 100).toFixed(2), recipient } };
}
