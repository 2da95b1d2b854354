/**
 * The cs262 client (seed 002): `switchboard client cs262 [--host H] [--port P]`.
 *
 * Reads commands (see commands.ts) from a terminal (with a `> ` prompt) or a pipe, sends
 * them one at a time, and prints every message pushed to it as `<from>: <text>` as it
 * arrives. Exit codes: 0 after quit, Ctrl+C, or end of input once every answer is in;
 * 1 when the connection cannot be made or is lost while logged in or waiting; 4 on bytes
 * from the server that do not decode.
 */
import { Terminal } from "../shared/terminal.js";
import { HELP, parseLine } from "./commands.js";
import { Cs262ClientSession } from "./session.js";

export interface Cs262ClientOptions {
  host: string;
  port: number;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Errors and notices; process.stderr when not given. */
  error?: NodeJS.WritableStream;
}

/** Piped input is read ahead only this far while requests wait for answers. */
const BACKLOG_HIGH = 256;
const BACKLOG_LOW = 32;

export async function runCs262Client(options: Cs262ClientOptions): Promise<number> {
  const terminal = new Terminal(options.input, options.output, options.error ?? process.stderr);
  let inputPaused = false;
  const session = new Cs262ClientSession(options.host, options.port, terminal, {
    backlog: (waiting) => {
      if (!inputPaused && waiting >= BACKLOG_HIGH) {
        inputPaused = true;
        terminal.pauseInput();
      } else if (inputPaused && waiting <= BACKLOG_LOW) {
        inputPaused = false;
        terminal.resumeInput();
      }
    },
  });
  if (terminal.interactive) terminal.out(`cs262 client for ${options.host}:${options.port}; type help for the commands`);
  terminal.start({
    line: (line) => {
      const action = parseLine(line);
      switch (action.kind) {
        case "empty":
          return;
        case "help":
          return terminal.out(HELP);
        case "invalid":
          return terminal.err(`error: ${action.message}`);
        case "quit":
          terminal.close(); // nothing typed after quit is read
          return session.enqueue(action);
        default:
          return session.enqueue(action);
      }
    },
    end: () => session.endOfInput(),
    interrupt: () => session.quitNow(),
  });
  const code = await session.done;
  terminal.close();
  return code;
}
