/** `switchboard check server|client <dialect>`: the conformance tester (docs/check.md). */
import { Command, InvalidArgumentError, Option } from "commander";
import type { CheckRole, Dialect } from "../../check/case.js";
import { runCheck } from "../../check/run-check.js";
import { DIALECTS } from "../../check/suites/index.js";
import { parsePort } from "../ports.js";

export function addCheckCommand(program: Command): void {
  const check = program
    .command("check")
    .description("Test anyone's server or client against a dialect (docs/check.md)")
    .addHelpText(
      "after",
      "\nExamples:\n  switchboard check server lab --host 127.0.0.1 --port 5378\n" +
        "  switchboard check server cs262 --port 9002 --wire-version 0 --json\n" +
        "  switchboard check client lab -- switchboard client lab --port {port}\n" +
        "  switchboard check client gowing --tty -- ./my-client {host} {port}",
    );
  addRole(check, "server", "Run the suite against a running server of <dialect>", "host of the server under test");
  addRole(check, "client", "Start COMMAND against a scripted server of <dialect> and check what it does", "address the scripted server listens on");
}

function addRole(check: Command, role: CheckRole, description: string, hostHelp: string): void {
  const command = check
    .command(role === "server" ? "server" : "client")
    .description(description)
    .addArgument(dialectArgument())
    .option("--host <host>", hostHelp, "127.0.0.1")
    .option(
      "--port <port>",
      role === "server"
        ? "port of the server under test (default: the dialect's)"
        : "port the scripted server listens on (default: a free one when COMMAND says {port}, else the dialect's)",
      parsePort,
    )
    .option("--only <ids>", "run only these cases (comma-separated ids or id prefixes)", (v) => v.split(",").filter(Boolean))
    .option("--list", "list the cases instead of running them")
    .option("--json", "print the results as JSON (for CI)")
    .option("--strict", "also check the points where the seed leaves room and Switchboard made a decision")
    .option("--time-scale <n>", "multiply every case's time limit and every wait in it (a slow machine)", parseScale, 1)
    .addOption(new Option("--wire-version <n>", "cs262 numbering (docs/cs262.md)").choices(["0", "1"]));
  if (role === "client") command.option("--tty", "run the client on a pseudo-terminal instead of pipes").argument("[command...]", "the client command ({host} and {port} are replaced)");
  command.addHelpText("after", `\nExamples:\n${ROLE_EXAMPLES[role].map((e) => `  ${e}\n`).join("")}`);
  command.action(async (dialect: Dialect, ...rest: unknown[]) => {
    const argv = role === "client" ? (rest[0] as string[]) : [];
    const o = (role === "client" ? rest[1] : rest[0]) as Record<string, unknown>;
    if (role === "client" && argv.length === 0 && o.list !== true) command.error("error: give the client command after --, e.g. -- switchboard client lab --port {port}");
    process.exitCode = await runCheck(
      {
        role,
        dialect,
        host: o.host as string,
        port: o.port as number | undefined,
        command: argv,
        tty: o.tty === true,
        only: o.only as string[] | undefined,
        list: o.list === true,
        json: o.json === true,
        strict: o.strict === true,
        timeScale: o.timeScale as number,
        wireVersion: o.wireVersion === undefined ? undefined : (Number(o.wireVersion) as 0 | 1),
      },
      (line) => process.stdout.write(line + "\n"),
    );
  });
}

const ROLE_EXAMPLES: Record<CheckRole, readonly string[]> = {
  server: ["switchboard check server lab --host 127.0.0.1 --port 5378", "switchboard check server udp --port 9003 --strict", "switchboard check server lab --list"],
  client: [
    "switchboard check client lab -- switchboard client lab --port {port}",
    "switchboard check client udp --tty -- switchboard client udp --host {host} --port {port}",
    "switchboard check client lab --strict -- python3 client.py",
  ],
};

function dialectArgument() {
  return new Command().createArgument("<dialect>", `one of ${DIALECTS.join(", ")}`).choices(DIALECTS);
}

function parseScale(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("a positive number");
  return n;
}
