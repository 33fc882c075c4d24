/**
 * One app per measured route behind a front that picks it by path: each route then sits at the same
 * depth of its own app, so no row pays for router layers another row's route adds in front of it
 * (Express and Koa match routes one after another). The apps share the session store and the
 * second-factor instance, so one session is valid on all of them.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { segmentTimer } from "./segment-timer.js";

/** A Node request listener. */
export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The listener that hands each request to the app of its path (query string ignored), or to `rest`;
 * the in-situ timing of the whole request starts here.
 * @example
 * const listener = splitByPath(new Map([["/plain", plainApp]]), flowApp);
 */
export function splitByPath(apps: ReadonlyMap<string, Listener>, rest: Listener): Listener {
  return (req, res) => {
    const url = req.url ?? "/";
    const queryAt = url.indexOf("?");
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    segmentTimer.begin(res, path);
    (apps.get(path) ?? rest)(req, res);
  };
}
