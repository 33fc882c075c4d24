/**
 * The built servers as `npm start` and `npm run example:koa` run them (dist-examples/, built by
 * `prepare`): the lines they print, 127.0.0.1 only, a clean stop on SIGTERM, and the refusal to run an
 * emulator under NODE_ENV=production. Without a build this file says so; in CI a missing build fails.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SERVERS = {
  express: "dist-examples/express/server.js",
  koa: "dist-examples/koa/server.js",
} as const;
const BUILT = Object.values(SERVERS).every((path) => existsSync(`${ROOT}${path}`));
const IN_CI = process.env.CI !== undefined && !["", "0", "false"].includes(process.env.CI.toLowerCase());

/** A clean environment for the child: no Twilio or Redis variables from the shell. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? "", PORT: "0", ...extra };
}

interface Run {
  child: ChildProcess;
  out: string[];
  err: string[];
  exit: Promise<number | null>;
}

function run(path: string, env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, [path], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  const out: string[] = [];
  const err: string[] = [];
  child.stdout
    ?.setEncoding("utf8")
    .on("data", (chunk: string) => out.push(...chunk.split("\n").filter(Boolean)));
  child.stderr
    ?.setEncoding("utf8")
    .on("data", (chunk: string) => err.push(...chunk.split("\n").filter(Boolean)));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, out, err, exit };
}

async function waitFor(lines: string[], pattern: RegExp, exit: Promise<unknown>): Promise<RegExpExecArray> {
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  for (let waited = 0; waited < 15_000; waited += 50) {
    for (const line of lines) {
      const match = pattern.exec(line);
      if (match !== null) return match;
    }
    if (exited) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no line matching ${pattern} in:\n${lines.join("\n")}`);
}

if (!BUILT) {
  describe("the built example servers", () => {
    it("need dist-examples/ (npm run build)", () => {
      console.warn(
        "The start-line tests did not run: dist-examples/ is missing. Run `npm run build` to build it.",
      );
      // In CI, `npm ci` builds it (prepare): a missing build there is a broken build.
      expect(IN_CI, "dist-examples/ is missing and CI is set").toBe(false);
    });
  });
} else {
  describe.each(Object.entries(SERVERS))("the built %s server", (_name, path) => {
    const running: ChildProcess[] = [];
    afterEach(() => {
      for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
    });

    it("prints the emulator, its inbox and `Listening on http://127.0.0.1:PORT` last, serves there, and stops on SIGTERM", async () => {
      const server = run(path, childEnv({}));
      running.push(server.child);
      const listening = await waitFor(
        server.out,
        /^Listening on (http:\/\/127\.0\.0\.1:(\d+))$/,
        server.exit,
      );
      const emulator = await waitFor(
        server.out,
        /^Verify emulator: (http:\/\/127\.0\.0\.1:\d+)$/,
        server.exit,
      );
      expect(server.out.at(-1)).toBe(listening[0]);
      expect(server.out).toContain(
        `Inbox: ${emulator[1]}/inbox (the codes appear here; nothing is really sent)`,
      );
      expect(server.err.join("\n")).toMatch(/SESSION_SECRET is not set/);
      expect(server.out).toContain(
        "Sessions and budgets: in memory (this process only; set REDIS_URL to share them between instances)",
      );
      expect(server.out).toContain(
        "Enrolled factors: in memory (lost when this process stops; set DATABASE_URL to keep them in PostgreSQL)",
      );
      expect(server.out).toContain(
        "Demo users: alice / alice-password, carol / carol-password, bob / bob-password (no factor yet: enrols a phone at /2fa/setup)",
      );

      const app = listening[1] as string;
      const login = await fetch(`${app}/login`);
      expect(login.status).toBe(200);
      expect(await login.text()).toContain('name="username"');
      expect((await fetch(`${emulator[1]}/inbox`)).status).toBe(200);

      server.child.kill("SIGTERM");
      expect(await server.exit).toBe(0);
    });

    it("uses PORT and SESSION_SECRET without a warning", async () => {
      const server = run(path, childEnv({ SESSION_SECRET: "start-lines-session-secret-0123456789" }));
      running.push(server.child);
      await waitFor(server.out, /^Listening on http:\/\/127\.0\.0\.1:\d+$/, server.exit);
      expect(server.err).toEqual([]);
      server.child.kill("SIGTERM");
      expect(await server.exit).toBe(0);
    });

    it("refuses to start an emulator under NODE_ENV=production, and exits with 1", async () => {
      const server = run(path, childEnv({ NODE_ENV: "production" }));
      running.push(server.child);
      expect(await server.exit).toBe(1);
      expect(server.err.join("\n")).toMatch(/did not start: NODE_ENV is "production".*TWILIO_ACCOUNT_SID/);
      expect(server.out.join("\n")).not.toMatch(/Verify emulator|Listening on/);
    });

    it("refuses a bad PORT, and a REDIS_URL or DATABASE_URL it cannot reach, with a clear message", async () => {
      const port = run(path, childEnv({ PORT: "eighty" }));
      running.push(port.child);
      expect(await port.exit).toBe(1);
      expect(port.err.join("\n")).toMatch(/PORT must be a port number/);
      const redis = run(path, childEnv({ REDIS_URL: "redis://127.0.0.1:1" }));
      running.push(redis.child);
      expect(await redis.exit).toBe(1);
      expect(redis.err.join("\n")).toMatch(
        /Could not connect to Redis at redis:\/\/127\.0\.0\.1:1 \(REDIS_URL\)/,
      );
      const database = run(path, childEnv({ DATABASE_URL: "postgres://demo:s3cret-pw@127.0.0.1:1/app" }));
      running.push(database.child);
      expect(await database.exit).toBe(1);
      const said = database.err.join("\n");
      expect(said).toMatch(/Could not open PostgreSQL at postgres:\/\/127\.0\.0\.1:1\/app \(DATABASE_URL\)/);
      expect(said).not.toContain("s3cret-pw");
    });
  });
}
