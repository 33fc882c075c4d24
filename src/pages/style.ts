import { createHash } from "node:crypto";

/**
 * The default pages' stylesheet: small, readable on a phone, no external assets.
 * @example
 * const { element, cspSource } = inlineStyle(DEFAULT_STYLESHEET);
 */
export const DEFAULT_STYLESHEET = `
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5}
body{margin:0;padding:1rem;background:Canvas;color:CanvasText}
main{max-width:28rem;margin:2rem auto}
h1{font-size:1.5rem;margin:0 0 1rem}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
form{margin:1rem 0}
fieldset{border:0;padding:0;margin:0 0 1rem}
legend{font-weight:600;margin-bottom:.5rem}
label{display:block;font-weight:600;margin:.25rem 0}
.choice{display:flex;gap:.5rem;align-items:center;font-weight:400;padding:.5rem 0}
input[type=text]{font-size:1.5rem;letter-spacing:.2em;padding:.5rem;width:100%;max-width:14rem;box-sizing:border-box}
input[aria-invalid=true]{outline:2px solid #c00}
button{font-size:1rem;padding:.6rem 1.2rem;min-height:44px;cursor:pointer}
button.link{background:none;border:0;padding:0;min-height:0;text-decoration:underline;color:LinkText}
.hint{color:GrayText;margin:.25rem 0}
.error{color:#b00;font-weight:600}
.notice{padding:.5rem .75rem;border-left:4px solid #2a7}
.problem{padding:.5rem .75rem;border-left:4px solid #c00}
a{color:LinkText}
`.trim();

/**
 * The `<style>` element for a stylesheet and the CSP source that allows exactly it (a hash, so no
 * `'unsafe-inline'` and no separate request).
 * @example
 * const { element, cspSource } = inlineStyle(DEFAULT_STYLESHEET);
 */
export function inlineStyle(css: string): { element: string; cspSource: string } {
  const hash = createHash("sha256").update(css, "utf8").digest("base64");
  return { element: `<style>${css}</style>`, cspSource: `'sha256-${hash}'` };
}
