#!/usr/bin/env node
// bcs_server: the same as `switchboard server bcs ...`, under its own name.
import { bcsServerProgram } from "./commands/bcs.js";

await bcsServerProgram().parseAsync(process.argv.slice(2), { from: "user" });
