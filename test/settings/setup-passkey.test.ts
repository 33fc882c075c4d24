// Adding, renaming and removing a passkey on the core (issue 15): rule 11 (a fresh second factor
// once the account has one), the events, and the account's trusted devices revoked by every change.
import { describe, expect, it } from "vitest";
import type { Decision, SecondFactorUser } from "../../src/boundary.js";
import { csrfOf, FakeSession, type Harness, harness, requestView } from "../helpers/core.js";
import { softAuthenticator } from "../helpers/soft-authenticator.js";
import { postSettings, verifiedRecord } from "./settings-helpers.js";

const ORIGIN = "http://localhost:3000";
const WEBAUTHN = { rpId: "localhost", rpName: "Test", origins: [ORIGIN] };
const ALICE: SecondFactorUser = { id: "alice", phone: "+15017122661" };
const MINUTE = 60_000;

async function json(
  h: Harness,
  session: FakeSession,
  path: string,
  fields: Record<string, unknown>,
): Promise<Decision> {
  const decision = await h.core.handleFlow(
    requestView(path, {
      method: "POST",
      accept: "application/json",
      contentType: "application/json",
      csrfHeader: csrfOf(session),
      body: { ok: true, type: "json", fields },
    }),
    session,
    ALICE,
  );
  if (decision === undefined) throw new Error("no decision");
  return decision;
}

async function addPasskey(h: Harness, session: FakeSession, name?: string): Promise<Decision> {
  const options = await json(h, session, "/2fa/setup/passkey/options", {});
  if (options.kind !== "json" || options.status !== 200) return options;
  const { challenge } = (options.body as { options: { challenge: string } }).options;
  const credential = softAuthenticator().register({ challenge, origin: ORIGIN, rpId: "localhost" });
  return json(h, session, "/2fa/setup/passkey", { credential, ...(name === undefined ? {} : { name }) });
}

describe("adding a passkey from the settings", () => {
  it("needs a fresh second factor once the account has one (rule 11): 401 through the challenge, nothing added", async () => {
    const h = harness({ webauthn: WEBAUTHN, user: () => ALICE });
    const session = new FakeSession();
    session.value = verifiedRecord(ALICE.id, h.clock.ms - 11 * MINUTE);
    const refused = await addPasskey(h, session);
    expect(refused).toMatchObject({
      kind: "json",
      status: 401,
      body: { error: "second_factor_required", max_age: 600 },
    });
    expect(await h.core.factors.listFactors(ALICE.id)).toEqual([]);
  });

  it("adds it for a fresh session (factor.added, trusted devices revoked), without verifying the session again", async () => {
    const h = harness({ webauthn: WEBAUTHN, user: () => ALICE });
    const revoked: string[] = [];
    const store = h.core.factors as { revokeAllTrustedDevices(userId: string): Promise<number> };
    const revokeAll = store.revokeAllTrustedDevices.bind(store);
    store.revokeAllTrustedDevices = async (userId) => {
      revoked.push(userId);
      return revokeAll(userId);
    };
    const session = new FakeSession();
    session.value = verifiedRecord(ALICE.id, h.clock.ms - MINUTE);
    const added = await addPasskey(h, session, "Work key");
    expect(added).toMatchObject({
      kind: "json",
      status: 200,
      body: {
        added: true,
        verified: false,
        redirect: "/2fa/setup",
        factor: { kind: "passkey", name: "Work key" },
      },
    });
    expect(session.id).toBe(1);
    expect(revoked).toEqual([ALICE.id]);
    expect(h.events).toContainEqual(
      expect.objectContaining({ type: "factor.added", kind: "passkey", maskedDestination: "" }),
    );
    expect((session.value as { notice?: string }).notice).toBe("factor_added");
  });

  it("the settings JSON names the passkey and rename actions", async () => {
    const h = harness({ webauthn: WEBAUTHN, user: () => ALICE });
    const session = new FakeSession();
    session.value = verifiedRecord(ALICE.id, h.clock.ms - MINUTE);
    const settings = await h.core.handleFlow(
      requestView("/2fa/setup", { accept: "application/json" }),
      session,
      ALICE,
    );
    expect(settings).toMatchObject({
      kind: "json",
      status: 200,
      body: {
        passkey: { actions: { options: "/2fa/setup/passkey/options", register: "/2fa/setup/passkey" } },
        actions: { rename: "/2fa/setup/rename" },
      },
    });
  });

  it("renames (JSON) and removes it like any factor, each with its event", async () => {
    const h = harness({ webauthn: WEBAUTHN, user: () => ALICE });
    const session = new FakeSession();
    session.value = verifiedRecord(ALICE.id, h.clock.ms - MINUTE);
    await addPasskey(h, session);
    const [factor] = await h.core.factors.listFactors(ALICE.id);
    const id = factor?.id ?? "";
    expect(factor?.name).toBe("Passkey");
    const renamed = await json(h, session, "/2fa/setup/rename", { factor: id, name: "Blue key" });
    expect(renamed).toMatchObject({
      kind: "json",
      status: 200,
      body: { renamed: true, factor: { id, name: "Blue key" } },
    });
    const onFile = await json(h, session, "/2fa/setup/rename", { factor: "on_file_phone", name: "Mine" });
    expect(onFile).toMatchObject({ kind: "json", status: 400, body: { error: "invalid_factor" } });
    const removed = await postSettings(h, session, ALICE, "remove", { factor: id });
    expect(removed).toMatchObject({ kind: "redirect", location: "/2fa/setup" });
    expect(await h.core.factors.listFactors(ALICE.id)).toEqual([]);
    expect(h.events.map((event) => event.type)).toEqual(
      expect.arrayContaining(["factor.added", "factor.renamed", "factor.removed"]),
    );
  });
});
