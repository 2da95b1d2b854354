/**
 * The cs262 client (seed 002): `switchboard client cs262 [--host H] [--port P] [--wire-version 0|1]`.
 *
 * Reads commands (see commands.ts) from a terminal (no prompt) or a pipe, sends
 * them one at a time, and prints every message pushed to it as `<from>: <text>` as it
 * arrives. Exit codes: 0 after quit, Ctrl+C, or end of input once every answer is in;
 * 1 when the connection cannot be made or is lost while logged in or waiting; 4 on bytes
 * from the server that do not decode.
 */
import { backlogControl, readCommands } from "../shared/command-input.js";
import type { WireVersion } from "../../protocols/cs262/frames.js";
import { closedWhenDone, terminalOn, type ClientIO, type Terminal } from "../shared/terminal.js";
import { HELP, parseLine, type Request } from "./commands.js";
import { Cs262ClientSession } from "./session.js";

export interface Cs262ClientOptions extends ClientIO {
  host: string;
  port: number;
  /** The numbering to speak: 1 (Switchboard's, the default) or 0 (the original server's). */
  wireVersion?: WireVersion;
}

export async function runCs262Client(options: Cs262ClientOptions): Promise<number> {
  const terminal = terminalOn(options);
  const session = new Cs262ClientSession(options.host, options.port, terminal, { backlog: backlogControl(terminal) }, options.wireVersion);
  if (terminal.interactive) terminal.out(`cs262 client for ${options.host}:${options.port}; type help for the commands`);
  readCommands(terminal, {
    parse: parseLine,
    help: HELP,
    request: (action) => {
      if (!needsPassword(action, terminal)) return session.enqueue(action);
      // On a terminal a password left off is asked for without echo; empty means none.
      void terminal.askHidden("password (empty for none): ").then((answer) => {
        if (answer !== undefined) session.enqueue({ ...action, password: answer === "" ? undefined : answer });
      });
    },
    end: () => session.endOfInput(),
    interrupt: () => session.quitNow(),
  });
  return closedWhenDone(session.done, terminal);
}

function needsPassword(action: Request, terminal: Terminal): action is Request & { kind: "create" | "login" } {
  return terminal.interactive && (action.kind === "create" || action.kind === "login") && action.password === undefined;
}
