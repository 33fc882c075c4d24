// Issue 17, proxy mode: the real twilio SDKs, in a child process with only environment variables set,
// reach the emulator through its HTTPS proxy; other Twilio hosts get a Twilio-shaped error, every
// other host is refused, and nothing is forwarded.
import { execFile, spawnSync } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type VerifyEmulator } from "../../testing/index.js";
import { ACCOUNT_SID } from "./helpers.js";

const run = promisify(execFile);
const CLIENTS = fileURLToPath(new URL("./proxy-clients/", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let emu: VerifyEmulator;

beforeAll(async () => {
  emu = await startEmulator({ proxy: true });
});
afterAll(async () => {
  await emu.close();
});

/** The environment an app gets: no Twilio or proxy settings of this machine leak in. */
function appEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    ACCOUNT_SID,
    SERVICE_SID: emu.defaultServiceSid,
    INBOX_URL: emu.url,
    ...extra,
  };
}

const EXPECTED_FLOW = {
  wrong: "pending",
  right: "approved",
  recheck: 20404,
  fiveWrong: ["pending", "pending", "pending", "pending", "pending"],
  sixth: 60202,
  third: { status: "pending", fresh: true },
  thirdRight: "approved",
};

function connect(target: string): Promise<{ status: number; body: string }> {
  const url = new URL(emu.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: "CONNECT", path: target });
    req.on("connect", (res, socket) => {
      let body = "";
      socket.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      socket.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      socket.on("error", reject);
      if (res.statusCode === 200) {
        resolve({ status: 200, body: "" });
        socket.destroy();
      }
    });
    req.on("error", reject);
    req.end();
  });
}

describe("proxy mode", () => {
  it("gives the proxy URL, a CA file and the environment to set", () => {
    expect(emu.proxy).toMatchObject({
      url: emu.url,
      env: { HTTP_PROXY: emu.url, HTTPS_PROXY: emu.url, NODE_EXTRA_CA_CERTS: emu.proxy?.caFile },
    });
    expect(emu.proxy?.caCert).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it("runs twilio-node through create, wrong check, right check, re-check 20404, max attempts and a new verification", async () => {
    const to = "+15017122662";
    const { stdout } = await run(process.execPath, [`${CLIENTS}flow.cjs`], {
      cwd: ROOT,
      env: appEnv({ TO: to, HTTP_PROXY: emu.url, NODE_EXTRA_CA_CERTS: emu.proxy?.caFile ?? "" }),
      timeout: 30_000,
    });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out).toMatchObject(EXPECTED_FLOW);
    expect(out.created).toMatchObject({ status: "pending", accountSid: ACCOUNT_SID });
    expect((out.created as { url: string }).url).toMatch(/^https:\/\/verify\.twilio\.com\/v2\/Services\/VA/);
    expect(out.otherHost).toMatchObject({ status: 404, code: 20404 });
    expect((out.otherHost as { message: string }).message).toMatch(/serves only verify\.twilio\.com/);
    expect(emu.messages({ to })).toHaveLength(3);
  }, 40_000);

  it("is not trusted without the CA: the SDK fails instead of reaching anything", async () => {
    const failed = await run(process.execPath, [`${CLIENTS}flow.cjs`], {
      cwd: ROOT,
      env: appEnv({ TO: "+15017122663", HTTP_PROXY: emu.url }),
      timeout: 30_000,
    }).then(
      () => "ran",
      (error: { stderr?: string }) => error.stderr ?? "",
    );
    expect(failed).toMatch(/certificate/i);
    expect(emu.messages({ to: "+15017122663" })).toHaveLength(0);
  }, 40_000);

  it.each(["example.com:443", "verify.twilio.com.evil.example:443", "127.0.0.1:22", "verify.twilio.com:80"])(
    "refuses CONNECT %s with 403 and forwards nothing",
    async (target) => {
      const res = await connect(target);
      expect(res.status).toBe(403);
    },
  );

  it("keeps plain requests on the emulator's own address (absolute-form to another host is refused)", async () => {
    const url = new URL(emu.url);
    const status = await new Promise<number>((resolve, reject) => {
      request(
        {
          host: url.hostname,
          port: url.port,
          path: "http://example.com/inbox.json",
          headers: { Host: "example.com" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on("error", reject)
        .end();
    });
    expect(status).toBe(403);
  });
});

/** The Python that has Debian's python3-twilio, if any. */
function pythonWithTwilio(): string | undefined {
  for (const candidate of ["python3", "/usr/bin/python3"]) {
    const probe = spawnSync(candidate, ["-c", "import twilio"], { stdio: "ignore" });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

const python = pythonWithTwilio();
// In CI a missing python3-twilio is a failure (.ci/run installs it), never a silent skip.
const runPython = python !== undefined || process.env.CI === "true";

describe.runIf(runPython)(
  "proxy mode with Python's twilio SDK (python3-twilio; not run where it is not installed, outside CI)",
  () => {
    it("runs create, wrong check, right check, re-check 20404, max attempts and a new verification", async () => {
      expect(python, "python3-twilio is not installed: apt-get install python3-twilio").toBeDefined();
      const to = "+15017122664";
      const { stdout } = await run(python ?? "python3", [`${CLIENTS}flow.py`], {
        env: appEnv({
          TO: to,
          HTTPS_PROXY: emu.url,
          PYTHONPATH: `${CLIENTS}python-trust`,
          SF_TEST_CA_BUNDLE: emu.proxy?.caFile ?? "",
        }),
        timeout: 30_000,
      });
      const out = JSON.parse(stdout) as Record<string, unknown>;
      expect(out).toMatchObject(EXPECTED_FLOW);
      expect(out.created).toMatchObject({ status: "pending", accountSid: ACCOUNT_SID });
      expect(emu.messages({ to })).toHaveLength(3);
    }, 40_000);
  },
);
