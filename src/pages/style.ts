import { createHash } from "node:crypto";

/**
 * The default pages' stylesheet: small, readable on a phone, no external assets.
 * @example
 * const { element, cspSource } = inlineStyle(DEFAULT_STYLESHEET);
 */
export const DEFAULT_STYLESHEET = `
:root{color-scheme:light dark;--page:#f3f4f6;--surface:#ffffff;--edge:#dcdfe4;--text:#1b1b1f;--muted:#595959;--line:#767676;--accent:#0b57d0;--on-accent:#ffffff;--link:#0b57d0;--error:#b3261e;--error-bg:#fdecea;--ok:#146c2e;--ok-bg:#e8f5ec;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5}
@media (prefers-color-scheme:dark){:root{--page:#121212;--surface:#1e1e20;--edge:#3a3a3e;--text:#e6e6e6;--muted:#b0b0b0;--line:#8a8a8a;--accent:#a8c7fa;--on-accent:#0a1f44;--link:#a8c7fa;--error:#ff8a80;--error-bg:#2a1716;--ok:#7ad59a;--ok-bg:#15261b}}
*{box-sizing:border-box}
body{margin:0;padding:1rem;background:var(--page);color:var(--text)}
main{max-width:28rem;margin:2rem auto 0;padding:1.5rem;background:var(--surface);border:1px solid var(--edge);border-radius:.75rem}
footer{max-width:28rem;margin:0 auto;padding:1rem 1.5rem}
@media (max-width:32rem){body{padding:0;background:var(--surface)}main{margin:0;border:0;border-radius:0;padding:1.5rem 1rem .5rem}footer{margin:0 1rem;padding:1rem 0 1.5rem;border-top:1px solid var(--edge)}}
main>:last-child{margin-bottom:0}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}
h2{font-size:1.125rem;line-height:1.3;margin:1.75rem 0 .5rem}
p{margin:0 0 1rem}
a{color:var(--link);text-underline-offset:.15em}
form{margin:0 0 1rem}
fieldset{border:0;padding:0;margin:0 0 1rem;min-width:0}
legend{font-weight:600;padding:0;margin-bottom:.5rem}
label{display:block;font-weight:600}
.choice{display:flex;gap:.75rem;align-items:center;font-weight:400;margin:.5rem 0;padding:.75rem 1rem;border:1px solid var(--line);border-radius:.5rem;cursor:pointer}
.choice:has(:checked){border-color:var(--accent);box-shadow:inset 0 0 0 1px var(--accent)}
input[type=radio],input[type=checkbox]{flex:none;width:1.25rem;height:1.25rem;margin:0;accent-color:var(--accent)}
.hint{color:var(--muted);margin:.25rem 0 .5rem}
input[type=text],input[type=tel],input[type=email]{display:block;width:100%;margin:0 0 1rem;padding:.5rem .75rem;font:inherit;font-size:1.5rem;letter-spacing:.25em;font-variant-numeric:tabular-nums;color:var(--text);background:var(--surface);border:1px solid var(--line);border-radius:.5rem}
input[type=tel],input[type=email]{font-size:1.25rem;letter-spacing:normal}
input[aria-invalid=true]{border:2px solid var(--error)}
button,.button{display:inline-block;min-height:44px;padding:.6rem 1.25rem;font:inherit;font-weight:600;text-align:center;text-decoration:none;color:var(--text);background:var(--surface);border:1px solid var(--line);border-radius:.5rem;cursor:pointer}
.primary{display:block;width:100%;color:var(--on-accent);background:var(--accent);border-color:var(--accent)}
.primary:hover{background:color-mix(in srgb,var(--accent) 88%,var(--text))}
button:disabled{color:var(--muted);border-style:dashed;cursor:not-allowed}
button.link{min-height:44px;padding:0;font-weight:400;color:var(--link);background:none;border:0;text-decoration:underline;text-underline-offset:.15em}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:0 0 .5rem}
.actions form{margin:0}
.error{color:var(--error);font-weight:600;margin:.25rem 0 .5rem}
.notice,.problem{margin:0 0 1rem;padding:.75rem 1rem;border-left:4px solid var(--line);border-radius:.25rem;background:var(--page)}
.notice.done{border-color:var(--ok);background:var(--ok-bg)}
.problem{border-color:var(--error);background:var(--error-bg)}
.problem h2{margin-top:0}
.problem p{margin:0}
.recovery-codes{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:1.25rem;line-height:2;padding-left:2.5rem}
@media print{body,main{background:none;border:0;margin:0;padding:0}form,footer,.no-print{display:none}}
.nowrap{white-space:nowrap}
.qr{margin:0 0 1rem}.qr svg{display:block;max-width:100%;height:auto}
.secret{font-size:1.125rem;overflow-wrap:anywhere}
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
