/**
 * The bcs client (seed 000): `bcs_client -h <host> -p <port> -u <username>`.
 *
 * Connects, registers, then sends each typed line and prints what arrives. Exit codes
 * (see exit-codes.ts): 0 after /quit, Ctrl+C or end of input once every reply is in;
 * the server's status code when it refuses the name (1 name in use, 2 invalid, ...);
 * 1 when the connection cannot be made or is lost early; 4 on bad bytes from the server.
 */
import type { Socket } from "node:net";
import { parseLine } from "./commands.js";
import { connectTo, describeConnectError } from "../shared/connect.js";
import { HELP } from "./display.js";
import { Exit } from "./exit-codes.js";
import { progressBars } from "./progress.js";
import { ClientSession } from "./session.js";
import { backlogControl, readCommands } from "../shared/command-input.js";
import { closedWhenDone, terminalOn, type ClientIO } from "../shared/terminal.js";

/** `input` is read line by line from registration on, and destroyed when the client ends. */
export interface BcsClientOptions extends ClientIO {
  host: string;
  port: number;
  username: string;
}

export async function runBcsClient(options: BcsClientOptions): Promise<number> {
  const terminal = terminalOn(options);
  if (Buffer.byteLength(options.username, "utf8") > 0xffff) {
    // Cannot even be framed (u16 length); the server would call it invalid too.
    terminal.err("error: invalid name: too long");
    return Exit.InvalidName;
  }

  let socket: Socket;
  try {
    socket = await connectTo(options.host, options.port);
  } catch (err) {
    terminal.err(`error: cannot connect to ${options.host}:${options.port}: ${describeConnectError(err)}`);
    return Exit.ConnectionLost;
  }

  const session: ClientSession = new ClientSession(socket, options.username, terminal, {
    registered: () =>
      readCommands(terminal, {
        parse: parseLine,
        help: HELP,
        request: (action) => session.enqueue(action),
        end: () => session.endOfInput(),
        interrupt: () => session.quitNow(),
      }),
    backlog: backlogControl(terminal),
    transfer: progressBars(terminal),
  });
  return closedWhenDone(session.done, terminal);
}
