import type { Request } from "express";
import type { BodyResult, RequestView } from "../../src/boundary.js";
import { readFlowBody } from "../shared/body/index.js";
import { cookieFromHeader } from "../shared/cookie-header.js";

/** The core's view of an Express request: getters over `req`, nothing copied until asked for. */
export class ExpressRequestView implements RequestView {
  readonly #req: Request;
  readonly #bodyLimit: number;
  #body: Promise<BodyResult> | undefined;

  constructor(req: Request, bodyLimit: number) {
    this.#req = req;
    this.#bodyLimit = bodyLimit;
  }

  get method(): string {
    return this.#req.method;
  }

  get url(): string {
    return this.#req.originalUrl ?? this.#req.url;
  }

  get accept(): string | undefined {
    return this.#req.headers.accept;
  }

  get contentType(): string | undefined {
    return this.#req.headers["content-type"];
  }

  /** `req.ip`: Express derives it from `X-Forwarded-For` only as far as its `trust proxy` setting allows. */
  get ip(): string | undefined {
    return this.#req.ip;
  }

  get csrfHeader(): string | undefined {
    return singleHeader(this.#req.headers["x-csrf-token"]);
  }

  /** `req.secure`: Express trusts `X-Forwarded-Proto` only as far as its `trust proxy` setting allows. */
  get secure(): boolean {
    return this.#req.secure;
  }

  get userAgent(): string | undefined {
    return this.#req.headers["user-agent"];
  }

  /** Reads the `Cookie` header only now, for the one cookie asked for. */
  cookie(name: string): string | undefined {
    return cookieFromHeader(this.#req.headers.cookie, name);
  }

  readBody(): Promise<BodyResult> {
    this.#body ??= readFlowBody(
      this.#req,
      (this.#req as { body?: unknown }).body,
      this.contentType,
      this.#bodyLimit,
    );
    return this.#body;
  }
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}
