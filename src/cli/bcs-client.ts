#!/usr/bin/env node
// bcs_client: the same as `switchboard client bcs ...`.
import { buildProgram } from "./program.js";

await buildProgram().parseAsync(["client", "bcs", ...process.argv.slice(2)], { from: "user" });
