#!/usr/bin/env node
// bcs_server: the same as `switchboard server bcs ...`.
import { buildProgram } from "./program.js";

await buildProgram().parseAsync(["server", "bcs", ...process.argv.slice(2)], { from: "user" });
