/**
 * `npm start`: the Express example on http://127.0.0.1:3000 (or `PORT`), with an embedded Verify
 * emulator unless the environment names Twilio or another emulator. See docs/examples.md.
 */
import { runExample } from "../shared/start.js";
import { createApp } from "./app.js";

runExample({ framework: "Express", defaultPort: 3000, createListener: (setup) => createApp(setup) });
