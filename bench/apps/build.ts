/** Builds the bench app a config names, for either framework. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { buildExpressApp } from "./express-app.js";
import { buildKoaApp } from "./koa-app.js";
import type { AppConfig } from "./types.js";

/**
 * The request listener of the bench app `config` describes.
 * @example
 * createServer(buildListener(config)).listen(0, "127.0.0.1");
 */
export function buildListener(config: AppConfig): (req: IncomingMessage, res: ServerResponse) => void {
  return config.framework === "express" ? buildExpressApp(config).listener : buildKoaApp(config).listener;
}
