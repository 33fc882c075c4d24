/**
 * A bench server: one app on 127.0.0.1 in its own process. The runner asks it to `start`, and for
 * its CPU time (`cpu`) and memory (`memory`) before and after each round, and to time the segment
 * from the session middleware to the handler (`segments-start`, `segments-stop`).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { buildListener } from "../apps/build.js";
import { segmentTimer } from "../apps/segment-timer.js";
import type { AppConfig } from "../apps/types.js";
import { childConfig, serveIpc } from "../lib/ipc.js";

const config = childConfig<AppConfig>();
const server = createServer(buildListener(config));
server.keepAliveTimeout = 60_000;

serveIpc({
  start: () =>
    new Promise<{ url: string }>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo;
        resolve({ url: `http://127.0.0.1:${port}` });
      });
    }),
  cpu: () => process.cpuUsage(),
  memory: () => process.memoryUsage(),
  "segments-start": () => segmentTimer.start(),
  "segments-stop": () => segmentTimer.stop(),
});
