#!/usr/bin/env node
// bcs_client: the same as `switchboard client bcs ...`, under its own name.
import { bcsClientProgram } from "./commands/bcs.js";

await bcsClientProgram().parseAsync(process.argv.slice(2), { from: "user" });
