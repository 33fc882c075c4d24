import { describe, expect, it } from "vitest";
import { escapeHtml } from "../../src/pages/escape.js";
import { DEFAULT_MESSAGES, formatMessage, formatWait } from "../../src/pages/messages.js";
import type { PageView } from "../../src/pages/view.js";
import { BOB, bodyText, FakeSession, harness, postForm, showPage, startChallenge } from "../helpers/core.js";

/** The opening tag of the submit button of the first form posting to `action` that contains `inside`. */
function buttonOf(html: string, action: string, inside = ""): string {
  const forms = html.match(/<form method="post"[\s\S]*?<\/form>/g) ?? [];
  const form = forms.find((each) => each.includes(`action="${action}"`) && each.includes(inside)) ?? "";
  return /<button[^>]*>/.exec(form)?.[0] ?? "";
}

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
    expect(html).toContain('SMS &lt;b&gt;<span class="nowrap">•••• •••• 2661</span>&lt;/b&gt;');
  });

  it("escape a channel name once inside the sentence that uses it", async () => {
    const h = harness({ messages: { channel_name_sms: "SMS & co", channel_name_call: "<call>" } });
    const session = new FakeSession();
    await startChallenge(h, session);
    const html = bodyText(await showPage(h, session));
    expect(html).toContain("We sent a code by SMS &amp; co to");
    expect(html).toContain("Send it by &lt;call&gt; instead");
    expect(html).not.toContain("&amp;amp;");
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
    expect(html).toContain('We sent a code by text message to <span class="nowrap">•••• •••• 2661</span>.');
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

  it("offer no active resend button while a resend is not yet possible, and say when it is", async () => {
    const h = harness({ resendAfter: "30s" });
    const session = new FakeSession();
    await startChallenge(h, session);
    const waiting = bodyText(await showPage(h, session));
    const resend = buttonOf(waiting, "/2fa/send", 'value="sms"');
    expect(resend).toContain(" disabled");
    expect(resend).toContain('aria-describedby="sf-resend-status"');
    expect(waiting).toContain('<p id="sf-resend-status">You can have the code sent again in 30 seconds.');
    // Switching channel is not held back by the resend wait.
    expect(buttonOf(waiting, "/2fa/send", 'value="call"')).not.toContain("disabled");

    h.clock.advance(30_000);
    const ready = bodyText(await showPage(h, session));
    expect(buttonOf(ready, "/2fa/send", 'value="sms"')).toBe('<button type="submit">');
    expect(ready).toContain('<p id="sf-resend-status">You can have the same code sent again.</p>');
  });

  it("keep the code input and its button together: input, the remember checkbox, then button, with an error above the input", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    const clean = bodyText(await showPage(h, session));
    expect(clean).toMatch(
      /<input type="text" id="sf-code"[^>]*>\n<label class="choice" for="sf-remember"><input type="checkbox" id="sf-remember" name="remember" value="1"> <span>[^<]*<\/span><\/label>\n<button type="submit" class="primary">Verify<\/button>/,
    );
    const refused = bodyText(await postForm(h, session, "verify", { code: "12ab" }));
    expect(refused).toMatch(
      /<p class="error" id="sf-code-error" role="alert">[^<]*<\/p>\n<input type="text" id="sf-code"[^>]*aria-invalid="true">\n<label class="choice" for="sf-remember">.*<\/label>\n<button type="submit" class="primary">Verify<\/button>/,
    );
    expect(refused).toContain('aria-describedby="sf-code-hint sf-code-error"');
  });

  it("give each page one primary action and secondary actions that look secondary", async () => {
    const h = harness();
    const session = new FakeSession();
    const choose = bodyText(await showPage(h, session));
    expect(buttonOf(choose, "/2fa/send")).toBe('<button type="submit" class="primary">');
    await startChallenge(h, session);
    const pending = bodyText(await showPage(h, session));
    expect((pending.match(/class="[^"]*\bprimary\b/g) ?? []).length).toBe(1);
    expect(buttonOf(pending, "/2fa/verify")).toBe('<button type="submit" class="primary">');
    expect(buttonOf(pending, "/2fa/send", 'value="call"')).toBe('<button type="submit">');
    expect(buttonOf(pending, "/2fa/cancel")).toBe('<button type="submit" class="link">');
    await postForm(h, session, "verify", { code: h.provider.code });
    const verified = bodyText(await showPage(h, session));
    expect(verified).toContain('<a class="button primary" href="/">Continue</a>');
    expect(buttonOf(verified, "/2fa/send")).toBe('<button type="submit">');
  });

  it("link out of the flow on every page, to defaultReturnTo, so no state is a dead end", async () => {
    const h = harness({ defaultReturnTo: "/home", user: () => BOB, enrolment: "off" });
    const session = new FakeSession();
    const footer = '<footer><a href="/home">Back to the site</a></footer>';
    const noChannel = bodyText(await showPage(h, session, BOB));
    expect(noChannel).toContain("No second factor set up");
    expect(noChannel).toContain(footer);
    const problem = await postForm(h, session, "send", { channel: "sms", _csrf: "nope" }, BOB);
    expect(problem).toMatchObject({ kind: "html", status: 403 });
    expect(bodyText(problem)).toContain(footer);
    const french = harness({ messages: { home_link: "Retour au site" } });
    expect(bodyText(await showPage(french, new FakeSession()))).toContain(
      '<footer><a href="/">Retour au site</a></footer>',
    );
  });

  it("show no notice that contradicts a locked page", async () => {
    const h = harness();
    const session = new FakeSession();
    await startChallenge(h, session);
    for (let wrong = 0; wrong < 10; wrong += 1) {
      await postForm(h, session, "verify", { code: "000000" });
      if (wrong === 4) await postForm(h, session, "send", { channel: "sms" });
    }
    const html = bodyText(await showPage(h, session));
    expect(html).toContain("Verification is locked");
    expect(html).not.toContain('class="notice');
    expect(html).not.toContain("Send a new one");
  });
});
