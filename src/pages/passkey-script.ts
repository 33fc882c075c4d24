import { createHash } from "node:crypto";

/**
 * The passkey buttons' script: a static file (no inline script, no framework, no build step), served
 * under the base path with a long cache. Progressive enhancement: the markup it drives is `hidden`
 * until it runs, and it shows nothing where `window.PublicKeyCredential` is missing, so the page
 * works as before without JavaScript or WebAuthn.
 *
 * The markup, per ceremony (`authenticate` or `register`):
 * ```html
 * <meta name="second-factor-csrf" content="TOKEN">            (or data-csrf="TOKEN" on the element)
 * <div data-passkey="authenticate" data-options-url="/2fa/passkey/options" data-submit-url="/2fa/passkey" hidden>
 *   <label><input type="checkbox" name="remember" value="1"> Don't ask again on this browser</label>
 *   <button type="button" data-passkey-start>Use a passkey</button>
 *   <p role="status" aria-live="polite" data-passkey-status></p>
 * </div>
 * ```
 * A `register` element may hold an `<input name="name">` for the passkey's name. On a click it posts
 * `{}` to the options URL (JSON, with the `x-csrf-token` header) and expects `{ options }`; calls
 * `navigator.credentials.get` or `.create` (base64url fields decoded to ArrayBuffers); posts
 * `{ credential, remember?, name? }` to the submit URL; then follows `redirect` (or `returnTo`, `location`) of the
 * JSON answer when it is on this origin, or shows its `message`. Errors (cancelled or no passkey on
 * this device, an existing passkey, a server refusal, no network) are shown in the status element; a
 * `data-message-<kind>` attribute (`cancelled`, `exists`, `security`, `failed`, `network`) replaces
 * the English text.
 */
const SOURCE = `(function () {
  "use strict";
  var containers = document.querySelectorAll("[data-passkey]");
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch || containers.length === 0) return;

  var MESSAGES = {
    cancelled: "No passkey was used: the request was cancelled or timed out, or this device has no passkey for this account.",
    exists: "This device already has a passkey for your account.",
    security: "Passkeys are not available at this address.",
    failed: "The passkey could not be used. Try again, or choose another way.",
    network: "The server could not be reached. Check your connection and try again."
  };

  function toBuffer(text) {
    var base64 = String(text).replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (item) {
      return Object.assign({}, item, { id: toBuffer(item.id) });
    });
  }

  function creationOptions(options) {
    return Object.assign({}, options, {
      challenge: toBuffer(options.challenge),
      user: Object.assign({}, options.user, { id: toBuffer(options.user.id) }),
      excludeCredentials: withIds(options.excludeCredentials)
    });
  }

  function requestOptions(options) {
    return Object.assign({}, options, {
      challenge: toBuffer(options.challenge),
      allowCredentials: withIds(options.allowCredentials)
    });
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(response.clientDataJSON) }
    };
    if (credential.authenticatorAttachment) json.authenticatorAttachment = credential.authenticatorAttachment;
    if (response.attestationObject) {
      json.response.attestationObject = toText(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toText(response.authenticatorData);
      json.response.signature = toText(response.signature);
      if (response.userHandle) json.response.userHandle = toText(response.userHandle);
    }
    return json;
  }

  function csrfToken(container) {
    var meta = document.querySelector('meta[name="second-factor-csrf"]');
    return container.getAttribute("data-csrf") || (meta && meta.getAttribute("content")) || "";
  }

  function post(url, body, token) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "x-csrf-token": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) throw { refusal: json || {} };
        return json || {};
      });
    });
  }

  function sameOrigin(location) {
    if (typeof location !== "string" || location === "") return null;
    try {
      var url = new URL(location, window.location.href);
      return url.origin === window.location.origin ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function setUp(container) {
    var ceremony = container.getAttribute("data-passkey");
    var button = container.querySelector("[data-passkey-start]") || container.querySelector("button");
    var status = container.querySelector("[data-passkey-status]") || container.querySelector('[role="status"]');
    if ((ceremony !== "authenticate" && ceremony !== "register") || !button) return;

    function text(kind) {
      return container.getAttribute("data-message-" + kind) || MESSAGES[kind];
    }
    function say(message) {
      if (status) status.textContent = message;
    }
    function problem(error) {
      if (error && error.refusal) return typeof error.refusal.message === "string" ? error.refusal.message : text("failed");
      var name = error && error.name;
      if (name === "NotAllowedError" || name === "AbortError") return text("cancelled");
      if (name === "InvalidStateError") return text(ceremony === "register" ? "exists" : "failed");
      if (name === "SecurityError") return text("security");
      if (name === "TypeError") return text("network");
      return text("failed");
    }

    container.hidden = false;
    button.addEventListener("click", function () {
      var token = csrfToken(container);
      button.disabled = true;
      say("");
      post(container.getAttribute("data-options-url"), {}, token)
        .then(function (answer) {
          return ceremony === "register"
            ? navigator.credentials.create({ publicKey: creationOptions(answer.options) })
            : navigator.credentials.get({ publicKey: requestOptions(answer.options) });
        })
        .then(function (credential) {
          if (!credential) throw { name: "NotAllowedError" };
          var body = { credential: credentialJSON(credential) };
          var remember = container.querySelector('input[name="remember"]');
          if (remember && remember.checked) body.remember = remember.value || "1";
          var name = container.querySelector('input[name="name"]');
          if (name && name.value) body.name = name.value;
          return post(container.getAttribute("data-submit-url"), body, token);
        })
        .then(function (answer) {
          var next = sameOrigin(answer.redirect || answer.returnTo || answer.location);
          if (next) {
            window.location.assign(next);
            return;
          }
          button.disabled = false;
          say(typeof answer.message === "string" ? answer.message : "");
        })
        .catch(function (error) {
          button.disabled = false;
          say(problem(error));
        });
    });
  }

  for (var i = 0; i < containers.length; i++) setUp(containers[i]);
})();
`;

const digest = createHash("sha256").update(SOURCE, "utf8").digest();

/**
 * The passkey script and what serving it needs: its text, a file name that changes with its content
 * (so it can be cached for a year), the Subresource Integrity value for the `<script>` tag, the CSP
 * source that allows exactly it, and the response headers.
 * @example
 * // GET {base}/{PASSKEY_SCRIPT.fileName}
 * return { kind: "body", status: 200, headers: PASSKEY_SCRIPT.headers, body: PASSKEY_SCRIPT.source };
 * // in the page, with `script-src ${PASSKEY_SCRIPT.cspSource}` in its Content-Security-Policy:
 * `<script src="${base}/${PASSKEY_SCRIPT.fileName}" integrity="${PASSKEY_SCRIPT.integrity}" defer></script>`;
 */
export const PASSKEY_SCRIPT = Object.freeze({
  /** The script's text (UTF-8). */
  source: SOURCE,
  /** `passkey.<first 16 hex digits of its sha256>.js`: a new name whenever the text changes. */
  fileName: `passkey.${digest.toString("hex").slice(0, 16)}.js`,
  /** For the tag's `integrity` attribute: `sha256-<base64>`. */
  integrity: `sha256-${digest.toString("base64")}`,
  /** For `script-src`: `'sha256-<base64>'` (with `integrity` on the tag, browsers match it to the file). */
  cspSource: `'sha256-${digest.toString("base64")}'`,
  /** Response headers: JavaScript, cached for a year (the name changes with the content), no sniffing. */
  headers: Object.freeze({
    "Content-Type": "text/javascript; charset=utf-8",
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
  }),
});
