import type { Context } from "koa";
import type { BodyResult, RequestView } from "../../src/boundary.js";
import { readFlowBody } from "../shared/body/index.js";
import { cookieFromHeader } from "../shared/cookie-header.js";

/** The core's view of a Koa request: getters over `ctx`, nothing copied until asked for. */
export class KoaRequestView implements RequestView {
  readonly #ctx: Context;
  readonly #bodyLimit: number;
  #body: Promise<BodyResult> | undefined;

  constructor(ctx: Context, bodyLimit: number) {
    this.#ctx = ctx;
    this.#bodyLimit = bodyLimit;
  }

  get method(): string {
    return this.#ctx.method;
  }

  get url(): string {
    return this.#ctx.originalUrl;
  }

  get accept(): string | undefined {
    return this.#ctx.req.headers.accept;
  }

  get contentType(): string | undefined {
    return this.#ctx.req.headers["content-type"];
  }

  /** `ctx.ip`: Koa reads `X-Forwarded-For` only when `app.proxy` is set (and up to `maxIpsCount`). */
  get ip(): string | undefined {
    return this.#ctx.ip;
  }

  get csrfHeader(): string | undefined {
    const value = this.#ctx.req.headers["x-csrf-token"];
    return Array.isArray(value) ? value.join(", ") : value;
  }

  /** `ctx.secure`: Koa reads `X-Forwarded-Proto` only when `app.proxy` is set. */
  get secure(): boolean {
    return this.#ctx.secure;
  }

  get userAgent(): string | undefined {
    return this.#ctx.req.headers["user-agent"];
  }

  /** Reads the `Cookie` header only now, for the one cookie asked for. */
  cookie(name: string): string | undefined {
    return cookieFromHeader(this.#ctx.req.headers.cookie, name);
  }

  readBody(): Promise<BodyResult> {
    this.#body ??= readFlowBody(
      this.#ctx.req,
      (this.#ctx.request as { body?: unknown }).body,
      this.contentType,
      this.#bodyLimit,
    );
    return this.#body;
  }
}
