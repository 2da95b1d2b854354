/**
 * The udp client (seed 004): `switchboard client udp --host H --port P -u NAME`.
 *
 * Registers (retrying, as UDP may lose the datagram), then sends each typed line and
 * prints what arrives: `<from>: <text>` for public messages (its own included, as the
 * server echoes them), `(private) <from>: <text>`, `online: a, b, c` for /list and for
 * a periodic list that changed, `server: <date> switchboard/<version>` for /info,
 * `error: <reason>` on stderr (docs/udp.md "Client" has the full table).
 * Exit codes: 0 after /quit, Ctrl+C or end of input; 1 when the server does not answer,
 * its port is closed, or it has gone away; 2 when it refuses the name.
 */
import { createSocket, type Socket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { readCommands } from "../shared/command-input.js";
import { closedWhenDone, terminalOn, type ClientIO } from "../shared/terminal.js";
import { HELP, parseLine } from "./commands.js";
import { Exit, UdpClientSession } from "./session.js";

/** Well inside the server's default idle limit of 90 s. */
export const DEFAULT_KEEPALIVE_MS = 30_000;

export interface UdpClientOptions extends ClientIO {
  host: string;
  port: number;
  username: string;
  /** INFO is sent this often to stay registered. */
  keepaliveMs: number;
}

export async function runUdpClient(options: UdpClientOptions): Promise<number> {
  const terminal = terminalOn(options);
  let socket: Socket;
  try {
    socket = await connectUdp(options.host, options.port);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    terminal.err(`error: cannot reach ${options.host}:${options.port}: ${e.code === "ENOTFOUND" ? "unknown host" : (e.code ?? e.message)}`);
    terminal.close();
    return Exit.Unreachable;
  }
  const session: UdpClientSession = new UdpClientSession(socket, options.username, terminal, options.keepaliveMs, {
    registered: () =>
      readCommands(terminal, {
        parse: parseLine,
        help: HELP,
        request: (action) => (action.kind === "quit" ? session.leave() : session.act(action)),
        end: () => session.leave(),
        interrupt: () => session.leave(),
      }),
  });
  return closedWhenDone(session.done, terminal);
}

/**
 * A UDP socket connected to the server: only the server's datagrams are received, and
 * an ICMP "port unreachable" surfaces as ECONNREFUSED instead of silence.
 */
async function connectUdp(host: string, port: number): Promise<Socket> {
  const { address, family } = await lookup(host);
  const socket = createSocket(family === 6 ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.connect(port, address, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  return socket;
}
