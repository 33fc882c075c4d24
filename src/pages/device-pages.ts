/**
 * The trusted devices' part of the default settings page (DESIGN §4 rule 13, §7): one revoke form per
 * device (hidden field `device`) and "revoke all" (`device=all`); every value escaped, no script.
 */
import { escapeHtml } from "./escape.js";
import { csrfInput, text } from "./page-text.js";
import type { DeviceRow, SettingsPageView } from "./view.js";

/**
 * The "Trusted browsers" section of the settings page: label, created, last used, until when, and
 * "this browser", each with its revoke form, then "Revoke all"; an error tied to the field `device`.
 * @example
 * parts.push(devicesSection(view));
 */
export function devicesSection(view: SettingsPageView): string {
  const { rows } = view.trustedDevices;
  const parts: string[] = [`<h2>${text(view, "devices_heading")}</h2>`];
  if (view.error?.field === "device") {
    parts.push(`<p class="error" id="sf-device-error" role="alert">${escapeHtml(view.error.message)}</p>`);
  }
  if (rows.length === 0) {
    parts.push(`<p>${text(view, "devices_none")}</p>`);
    return parts.join("\n");
  }
  parts.push(`<p>${text(view, "devices_intro")}</p>`, '<ul class="factors">');
  rows.forEach((row, index) => {
    parts.push(deviceItem(view, row, index));
  });
  parts.push("</ul>", revokeForm(view, "all", text(view, "devices_revoke_all_button")));
  return parts.join("\n");
}

function deviceItem(view: SettingsPageView, row: DeviceRow, index: number): string {
  const id = `sf-device-${index}`;
  const here = row.thisBrowser ? ` <strong>${text(view, "device_this_browser")}</strong>` : "";
  const details = text(view, "device_details", {
    created: day(row.createdAt),
    used: day(row.lastUsedAt),
    expires: day(row.expiresAt),
  });
  const form = revokeForm(view, row.device, text(view, "device_revoke_button"), id);
  return `<li><span id="${id}">${escapeHtml(row.label)}${here}</span> <span class="hint">${details}</span>${form}</li>`;
}

function revokeForm(view: SettingsPageView, device: string, label: string, describedBy?: string): string {
  return [
    `<form method="post" action="${escapeHtml(view.trustedDevices.revoke)}">`,
    csrfInput(view.csrfToken),
    `<input type="hidden" name="device" value="${escapeHtml(device)}">`,
    `<button type="submit"${describedBy === undefined ? "" : ` aria-describedby="${describedBy}"`}>${label}</button>`,
    "</form>",
  ].join("\n");
}

/** A day on the app's clock, as ISO `YYYY-MM-DD` (UTC), like the factors' dates. */
function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
