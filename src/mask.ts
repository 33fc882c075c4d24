/** Shown in place of hidden characters of a destination. */
const HIDDEN = "••••";

/**
 * Masks a destination for pages, JSON, events and logs (DESIGN §4 rule 10): a phone number keeps its
 * last 4 digits (2 when it has fewer than 8), an e-mail address its first character and its top-level
 * domain. Anything else is fully hidden.
 * @example
 * maskDestination("+15017122661"); // "•••• •••• 2661"
 * maskDestination("alice@example.com"); // "a••••@••••.com"
 */
export function maskDestination(destination: string): string {
  return destination.includes("@") ? maskEmail(destination) : maskPhone(destination);
}

/**
 * Masks a phone number to its last digits.
 * @example
 * maskPhone("+15017122661"); // "•••• •••• 2661"
 */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  if (digits.length < 4) return `${HIDDEN} ${HIDDEN}`;
  const shown = digits.length >= 8 ? 4 : 2;
  return `${HIDDEN} ${HIDDEN} ${digits.slice(-shown)}`;
}

/**
 * Masks an e-mail address to its first character and top-level domain.
 * @example
 * maskEmail("alice@example.com"); // "a••••@••••.com"
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  const dot = domain.lastIndexOf(".");
  const topLevel = dot > 0 && dot < domain.length - 1 ? domain.slice(dot) : "";
  const first = local.length > 1 ? local.slice(0, 1) : "";
  return `${first}${HIDDEN}@${HIDDEN}${topLevel}`;
}
