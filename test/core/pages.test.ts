import { describe, expect, it } from "vitest";
import { escapeHtml } from "../../src/pages/escape.js";
import { DEFAULT_MESSAGES, formatMessage, formatWait } from "../../src/pages/messages.js";
import type { PageView } from "../../src/pages/view.js";
import { bodyText, FakeSession, harness, postForm, showPage, startChallenge } from "./helpers.js";

describe("pages", () => {
  it("escape every special character", () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
    );
  });

  it("escape translated messages and never let them inject markup", async () => {
    const h = harness({
      messages: { title: "<script>alert(1)</script>", channel_sms: "SMS <b>{destination}</b>" },
    });
    const html = bodyText(await showPage(h, new FakeSession()));
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("SMS &lt;b&gt;•••• •••• 2661&lt;/b&gt;");
  });

  it("use the language and texts given", async () => {
    const h = harness({ pages: { lang: "fr" }, messages: { send_button: "Envoyer le code" } });
    const html = bodyText(await showPage(h, new FakeSession()));
    expect(html).toContain('<html lang="fr">');
    expect(html).toContain("Envoyer le code");
  });

  it("hand the render hook a typed view model and answer with its HTML", async () => {
    const views: PageView[] = [];
    const h = harness({
      pages: {
        render: (view) => {
          views.push(view);
          return `<!doctype html><p>${view.page}:${view.page === "challenge" ? view.state : view.error}</p>`;
        },
      },
    });
    const session = new FakeSession();
    const page = await showPage(h, session);
    expect(bodyText(page)).toBe("<!doctype html><p>challenge:choose</p>");
    expect(views[0]).toMatchObject({
      page: "challenge",
      status: 200,
      lang: "en",
      basePath: "/2fa",
      actions: { send: "/2fa/send" },
      csrfToken: (session.value as { csrf: string }).csrf,
      channels: [{ channel: "sms" }, { channel: "call" }],
    });
    expect(views[0]?.format("attempts_left", { count: 3 })).toBe("3 attempts left for this code.");
    const refused = await postForm(h, session, "send", { channel: "sms", _csrf: "nope" });
    expect(bodyText(refused)).toBe("<!doctype html><p>problem:csrf_failed</p>");
  });

  it("show the pending page with the code input, pattern, attempts and resend time", async () => {
    const h = harness({ resendAfter: "30s", codeLength: 6 });
    const session = new FakeSession();
    await startChallenge(h, session);
    const html = bodyText(await showPage(h, session));
    expect(html).toContain('pattern="[ \\-]*(?:[0-9][ \\-]*){6}"');
    expect(html).toContain("Enter the 6-digit code.");
    expect(html).toContain("sent again in 30 seconds");
    expect(html).toContain("We sent a code by text message to •••• •••• 2661.");
    expect((html.match(/name="_csrf"/g) ?? []).length).toBe((html.match(/<form /g) ?? []).length);
  });

  it("give the code input a pattern that browsers compile (v flag) and that matches what the flow accepts", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const html = bodyText(await showPage(h, session));
    const attribute = /pattern="([^"]+)"/.exec(html)?.[1] ?? "";
    const unicodeSets = "v";
    const pattern = new RegExp(`^(?:${attribute})$`, unicodeSets);
    for (const typed of ["123456", "123 456", "123-456", "1234", "1234567890"])
      expect(pattern.test(typed)).toBe(true);
    for (const typed of ["123", "12345678901", "12a456", ""]) expect(pattern.test(typed)).toBe(false);
  });

  it("format waits and placeholders", () => {
    expect(formatWait(DEFAULT_MESSAGES, 1)).toBe("1 second");
    expect(formatWait(DEFAULT_MESSAGES, 45)).toBe("45 seconds");
    expect(formatWait(DEFAULT_MESSAGES, 900)).toBe("15 minutes");
    expect(formatWait(DEFAULT_MESSAGES, 86_400)).toBe("24 hours");
    expect(formatMessage("{a} and {b}", { a: 1 })).toBe("1 and {b}");
  });
});
