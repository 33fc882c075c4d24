/**
 * A bench server: one app on 127.0.0.1 in its own process. The runner asks it to `start`, and for
 * its CPU time (`cpu`) before and after each measurement.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { AppConfig } from "../apps/common.js";
import { buildExpressApp } from "../apps/express-app.js";
import { buildKoaApp } from "../apps/koa-app.js";
import { serveRunner } from "../lib/processes.js";

const config = serveRunner<AppConfig>({
  start: () =>
    new Promise<{ url: string }>((resolve, reject) => {
      const build = config.framework === "express" ? buildExpressApp : buildKoaApp;
      const server = createServer(build(config).listener);
      server.keepAliveTimeout = 60_000;
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      });
    }),
  cpu: () => process.cpuUsage(),
});
