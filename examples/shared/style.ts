/**
 * The one stylesheet of the examples' own pages: small, no external assets, readable on a phone and a
 * desktop, light and dark. Served inline and allowed by its hash, like the library's challenge pages.
 */
import { createHash } from "node:crypto";

/**
 * The stylesheet of the examples' pages.
 * @example
 * const bytes = Buffer.byteLength(EXAMPLE_STYLESHEET); // about 2 KB
 */
export const EXAMPLE_STYLESHEET = `
:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;--line:#8885;--muted:#595959;--bad:#b00;--ok:#17663a}
@media (prefers-color-scheme:dark){:root{--muted:#b8b8b8;--bad:#ff8a80;--ok:#7ad59a}}
*{box-sizing:border-box}
body{margin:0;background:Canvas;color:CanvasText}
a{color:LinkText}
.bar{border-bottom:1px solid var(--line)}
.bar>div,main{max-width:30rem;margin:0 auto;padding:.75rem 1rem}
.bar>div{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:baseline;justify-content:space-between}
.brand{font-weight:700;color:CanvasText;text-decoration:none}
.brand span,.muted{color:var(--muted);font-weight:400}
.who{display:flex;gap:.75rem;align-items:baseline}
.who form,nav form{margin:0}
nav{flex-basis:100%}
nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;list-style:none;margin:0;padding:0}
main{padding-bottom:3rem}
h1{font-size:1.5rem;margin:1rem 0}
h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.card{border:1px solid var(--line);border-radius:.5rem;padding:1rem;margin:1rem 0}
.card>:first-child{margin-top:0}
.card>:last-child{margin-bottom:0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dt{font-weight:600}
dd{margin:0}
.ok{color:var(--ok);font-weight:600}
.off{font-weight:600}
form{margin:1rem 0}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
.hint{color:var(--muted);margin:0 0 .25rem}
input[type=text],input[type=password]{font:inherit;padding:.5rem;width:100%;max-width:20rem}
input[aria-invalid=true]{outline:2px solid var(--bad)}
button{font-family:inherit;font-size:1rem;padding:.6rem 1.2rem;min-height:44px;cursor:pointer}
button.link{background:none;border:0;padding:0;min-height:0;text-decoration:underline;color:LinkText}
.actions{margin-top:1.25rem}
.error{color:var(--bad);font-weight:600;margin:.25rem 0}
.notice{padding:.5rem .75rem;border-left:4px solid #2a7}
.problem{padding:.5rem .75rem;border-left:4px solid #c00}
.problem p{margin:0}
ul.links{padding-left:1.25rem}
ul.links li{margin:.35rem 0}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding-bottom:.25rem}
th,td{text-align:left;padding:.3rem .75rem .3rem 0;border-bottom:1px solid var(--line);vertical-align:top}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.95em;white-space:nowrap}
`.trim();

/**
 * The `<style>` element of the examples' pages.
 * @example
 * `<head>${STYLE_ELEMENT}</head>`;
 */
export const STYLE_ELEMENT = `<style>${EXAMPLE_STYLESHEET}</style>`;

/**
 * The CSP source that allows exactly {@link EXAMPLE_STYLESHEET} (no `'unsafe-inline'`).
 * @example
 * `style-src ${STYLE_CSP_SOURCE}`;
 */
export const STYLE_CSP_SOURCE = `'sha256-${createHash("sha256").update(EXAMPLE_STYLESHEET, "utf8").digest("base64")}'`;
