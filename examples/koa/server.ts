/**
 * `npm run example:koa`: the Koa example on http://127.0.0.1:3001 (or `PORT`), with an embedded Verify
 * emulator unless the environment names Twilio or another emulator. See docs/examples.md.
 */
import { runExample } from "../shared/start.js";
import { createApp } from "./app.js";

runExample({ framework: "Koa", defaultPort: 3001, createListener: (setup) => createApp(setup).callback() });
