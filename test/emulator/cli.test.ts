// The second-factor-emulator command: its output lines, flags, exit codes and clean shutdown on signals.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { type CliIo, DEFAULT_CLI_PORT, runCli } from "../../emulator/cli.js";

interface FakeIo extends CliIo {
  lines: string[];
  errors: string[];
  signal(name: "SIGINT" | "SIGTERM"): void;
}

function fakeIo(env: Record<string, string | undefined> = {}): FakeIo {
  const handlers = new Set<(signal: "SIGINT" | "SIGTERM") => void>();
  const io: FakeIo = {
    lines: [],
    errors: [],
    out: (line) => io.lines.push(line),
    err: (line) => io.errors.push(line),
    env,
    onSignal: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    signal: (name) => {
      for (const handler of [...handlers]) handler(name);
    },
  };
  return io;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  await new Promise((r) => server.close(r));
  return typeof address === "object" && address ? address.port : 0;
}

describe("runCli", () => {
  it("prints the URL, the default service and a warning, serves, and exits 0 on SIGTERM", async () => {
    const io = fakeIo();
    const run = await runCli(["--port", "0"], io);
    expect(io.lines).toHaveLength(3);
    expect(io.lines[0]).toMatch(/^Verify emulator: http:\/\/127\.0\.0\.1:\d+$/);
    expect(io.lines[1]).toMatch(/^Default service: VA[0-9a-f]{32}$/);
    expect(io.lines[2]).toMatch(/^Development\/test tool only/);
    const url = io.lines[0]?.replace("Verify emulator: ", "") ?? "";
    expect(url).toBe(run.emulator?.url);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    io.signal("SIGTERM");
    expect(await run.exitCode).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it("--proxy prints the proxy lines to set, with the CA file, and removes the file at exit", async () => {
    const io = fakeIo();
    const run = await runCli(["--port", "0", "--proxy"], io);
    const url = run.emulator?.url ?? "";
    expect(io.lines).toContain(`HTTP_PROXY=${url}`);
    expect(io.lines).toContain(`HTTPS_PROXY=${url}`);
    const caLine = io.lines.find((line) => line.startsWith("NODE_EXTRA_CA_CERTS="));
    const caFile = caLine?.slice("NODE_EXTRA_CA_CERTS=".length) ?? "";
    expect(existsSync(caFile)).toBe(true);
    expect(io.lines.join("\n")).toMatch(/update-ca-certificates/);
    io.signal("SIGINT");
    expect(await run.exitCode).toBe(0);
    expect(existsSync(caFile)).toBe(false);
  });

  it("reads --port=N, then PORT, and defaults to 4010", async () => {
    expect(DEFAULT_CLI_PORT).toBe(4010);
    const port = await freePort();
    const io = fakeIo({ PORT: "1" });
    const run = await runCli([`--port=${port}`], io);
    expect(io.lines[0]).toBe(`Verify emulator: http://127.0.0.1:${port}`);
    io.signal("SIGINT");
    expect(await run.exitCode).toBe(0);

    const envPort = await freePort();
    const fromEnv = fakeIo({ PORT: String(envPort) });
    const envRun = await runCli([], fromEnv);
    expect(fromEnv.lines[0]).toBe(`Verify emulator: http://127.0.0.1:${envPort}`);
    fromEnv.signal("SIGINT");
    expect(await envRun.exitCode).toBe(0);
  });

  it("accepts credentials, a token and --verbose", async () => {
    const io = fakeIo();
    const run = await runCli(
      [
        "--port",
        "0",
        "--account-sid",
        `AC${"1".repeat(32)}`,
        "--auth-token",
        "t",
        "--token",
        "x".repeat(16),
        "--verbose",
      ],
      io,
    );
    expect(run.emulator?.accountSid).toBe(`AC${"1".repeat(32)}`);
    const res = await fetch(`${run.emulator?.url}/inbox.json`);
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 20));
    expect(io.errors.some((l) => l.includes("GET /inbox.json 401"))).toBe(true);
    io.signal("SIGINT");
    expect(await run.exitCode).toBe(0);
  });

  it("prints help and exits 0", async () => {
    const io = fakeIo();
    const run = await runCli(["--help"], io);
    expect(await run.exitCode).toBe(0);
    expect(io.lines.join("\n")).toContain("--allow-remote");
    expect(run.emulator).toBeUndefined();
  });

  it.each([
    [["--nope"], /unknown argument "--nope"/],
    [["--port"], /--port needs a value/],
    [["--port", "abc"], /--port must be a port number/],
    [["--port", "70000"], /--port must be a port number/],
    [["--verbose=yes"], /takes no value/],
    [["--account-sid", `AC${"1".repeat(32)}`], /go together/],
    [["--port", "0", "--host", "0.0.0.0"], /allowRemote/],
    [["--port", "0", "--host", "0.0.0.0", "--allow-remote", "--token", "x".repeat(20)], /credentials/],
    [["--port", "0", "--ca-cert", "ca.pem", "--ca-key", "key.pem"], /need --proxy/],
    [["--port", "0", "--proxy", "--ca-cert", "ca.pem"], /go together/],
    [
      ["--port", "0", "--proxy", "--ca-cert", "no-such-ca.pem", "--ca-key", "no-such-key.pem"],
      /cannot read no-such-ca\.pem/,
    ],
    [
      ["--port", "0", "--proxy", "--ca-cert", "package.json", "--ca-key", "package.json"],
      /not a PEM certificate/,
    ],
  ])("exits 2 on %j", async (argv, message) => {
    const io = fakeIo();
    const run = await runCli(argv, io);
    expect(await run.exitCode).toBe(2);
    expect(io.errors.join("\n")).toMatch(message);
    expect(io.lines).toEqual([]);
  });

  it("exits 2 on a bad PORT", async () => {
    const io = fakeIo({ PORT: "http" });
    expect(await (await runCli([], io)).exitCode).toBe(2);
    expect(io.errors[0]).toMatch(/PORT must be a port number/);
  });
});

const BUILT = new URL("../../dist/emulator/cli.js", import.meta.url);

describe.skipIf(!existsSync(BUILT))("the built bin (dist/emulator/cli.js)", () => {
  it("starts as a process, prints its lines and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [BUILT.pathname, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner; got ${out}`)), 10_000);
      child.stdout.on("data", (d: string) => {
        out += d;
        if (out.includes("Development/test tool")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    const url = /^Verify emulator: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
    expect(url).toBeDefined();
    expect(out).toMatch(/^Default service: VA[0-9a-f]{32}$/m);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
