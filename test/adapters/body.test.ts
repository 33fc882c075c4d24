import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { type RawRequest, readBody } from "../../adapters/shared/body/read-body.js";
import type { BodyResult } from "../../src/boundary.js";

function rawRequest(headers: IncomingHttpHeaders, chunks: (string | Buffer)[], end = true): RawRequest {
  const stream = new PassThrough() as PassThrough & { headers: IncomingHttpHeaders };
  stream.headers = headers;
  for (const chunk of chunks) stream.write(chunk);
  if (end) stream.end();
  return stream;
}

const FORM = { "content-type": "application/x-www-form-urlencoded" };
const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

describe("readBody", () => {
  it("parses a form, giving an array for a repeated key", async () => {
    const result = await readBody(
      rawRequest(FORM, ["code=123+456&_csrf=abc&channel=sms&channel=call"]),
      1024,
    );
    expect(result).toEqual({
      ok: true,
      type: "form",
      fields: expect.objectContaining({ code: "123 456", _csrf: "abc", channel: ["sms", "call"] }),
    });
  });

  it("keeps a field named __proto__ as a plain field", async () => {
    const result = await readBody(rawRequest(FORM, ["__proto__=x&constructor=y"]), 1024);
    if (!result.ok) throw new Error("expected ok");
    expect(Object.keys(result.fields).sort()).toEqual(["__proto__", "constructor"]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("parses a JSON object, across chunks", async () => {
    const result = await readBody(rawRequest(JSON_TYPE, ['{"code":', '"123456"}']), 1024);
    expect(result).toEqual({ ok: true, type: "json", fields: { code: "123456" } });
  });

  it("treats an empty JSON body as no fields", async () => {
    const result = await readBody(rawRequest(JSON_TYPE, []), 1024);
    expect(result).toEqual({ ok: true, type: "json", fields: {} });
  });

  it.each([
    ["an array", "[1,2]"],
    ["a number", "42"],
    ["null", "null"],
    ["a string", '"x"'],
    ["junk", "{code:"],
  ])("refuses JSON that is %s with 400", async (_label, text) => {
    const result = await readBody(rawRequest(JSON_TYPE, [text]), 1024);
    expect(result).toMatchObject({ ok: false, status: 400 });
  });

  it("refuses invalid UTF-8 with 400", async () => {
    const result = await readBody(rawRequest(FORM, [Buffer.from([0x63, 0x3d, 0xff, 0xfe])]), 1024);
    expect(result).toMatchObject({ ok: false, status: 400 });
  });

  it.each([
    ["no content type", {}],
    ["text/plain", { "content-type": "text/plain" }],
    ["multipart", { "content-type": "multipart/form-data; boundary=x" }],
    ["a non-UTF-8 charset", { "content-type": "application/json; charset=latin1" }],
    ["a compressed body", { ...FORM, "content-encoding": "gzip" }],
  ])("refuses %s with 415", async (_label, headers: IncomingHttpHeaders) => {
    const result = await readBody(rawRequest(headers, ["a=b"]), 1024);
    expect(result).toMatchObject({ ok: false, status: 415 });
  });

  it("refuses a declared length over the limit before reading", async () => {
    const result = await readBody(rawRequest({ ...FORM, "content-length": "2048" }, [], false), 1024);
    expect(result).toMatchObject({ ok: false, status: 413 });
  });

  it("refuses a streamed body over the limit with 413, without waiting for its end", async () => {
    const result = await readBody(
      rawRequest(FORM, ["a=".padEnd(600, "x"), "b=".padEnd(600, "y")], false),
      1024,
    );
    expect(result).toMatchObject({ ok: false, status: 413 });
  });

  it("accepts a body of exactly the limit", async () => {
    const result = await readBody(rawRequest(FORM, ["a=".padEnd(1024, "x")]), 1024);
    expect(result.ok).toBe(true);
  });

  it("refuses a malformed Content-Length with 400", async () => {
    const result = await readBody(rawRequest({ ...FORM, "content-length": "12abc" }, ["a=b"]), 1024);
    expect(result).toMatchObject({ ok: false, status: 400 });
  });

  it("does not hang on a stream that was already read", async () => {
    const stream = rawRequest(FORM, ["a=b"]);
    stream.resume();
    await new Promise((resolve) => stream.once("end", resolve));
    expect(await readBody(stream, 1024)).toMatchObject({ ok: false, status: 400 });
  });

  it("does not hang on a client that stops sending", async () => {
    const result = await readBody(rawRequest(FORM, ["a=b"], false), 1024, { timeoutMs: 50 });
    expect(result).toMatchObject({ ok: false, status: 400 });
  });

  it("answers 400 when the stream errors", async () => {
    const stream = rawRequest(FORM, ["a=b"], false);
    const pending = readBody(stream, 1024);
    stream.destroy(new Error("socket reset"));
    expect(await pending).toMatchObject({ ok: false, status: 400 });
  });

  it("reads a real Node request over HTTP on 127.0.0.1", async () => {
    const results: BodyResult[] = [];
    const server = createServer((req, res) => {
      void readBody(req, 64).then((result) => {
        results.push(result);
        res.statusCode = result.ok ? 200 : result.status;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const post = (body: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          { host: "127.0.0.1", port, method: "POST", path: "/2fa/verify", headers },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    try {
      expect(await post("code=123456", FORM)).toBe(200);
      expect(await post("x".repeat(200), { ...FORM, "transfer-encoding": "chunked" })).toBe(413);
      expect(await post('{"code":"1"}', { "content-type": "application/json" })).toBe(200);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(results[0]).toMatchObject({ ok: true, fields: { code: "123456" } });
  });
});
