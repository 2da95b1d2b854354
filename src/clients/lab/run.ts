/**
 * The lab client (seed 001, docs/lab.md "Client"): `switchboard client lab --address A --port P`.
 *
 * Asks for a login until one succeeds (each attempt on a new connection: the server
 * closes after a refusal), then `!who` lists users, `@<user> <msg>` sends, `!quit`
 * leaves; incoming messages print as they arrive, also while the user types.
 * Exit codes: 0 after !quit, Ctrl+C or end of input (once every request was answered);
 * 1 when the server is full, cannot be reached, or closes the connection (then
 * SERVER_CLOSED is printed on stderr).
 */
import { terminalOn, type ClientIO } from "../shared/terminal.js";
import { SERVER_CLOSED, describeConnectError } from "../shared/connect.js";
import { LabConnection } from "./connection.js";
import { TEXT, answersRequest, replyLines } from "./display.js";

export interface LabClientOptions extends ClientIO {
  host: string;
  port: number;
}

/** After end of input, how long to wait for the answers to what was sent. */
const DRAIN_TIMEOUT_MS = 5000;

export function runLabClient(options: LabClientOptions): Promise<number> {
  // Like the lab's reference client: no prompt, and on a terminal nothing but the lines it
  // prints (plain mode: the terminal echoes and edits what is typed).
  const terminal = terminalOn(options, "", true);
  return new Promise((resolve) => {
    let conn: LabConnection | undefined;
    let loggedIn = false;
    let outstanding = 0; // requests sent and not yet answered
    let inputEnded = false;
    let finished = false;
    const lines: string[] = [];
    let busy = false; // a login attempt is in flight: later lines wait

    const finish = (code: number): void => {
      if (finished) return;
      finished = true;
      terminal.close();
      conn?.close();
      resolve(code);
    };

    const maybeDone = (): void => {
      if (inputEnded && !busy && lines.length === 0 && outstanding === 0) finish(0);
    };

    const attemptLogin = async (name: string): Promise<void> => {
      let c: LabConnection;
      try {
        c = await LabConnection.open(options.host, options.port);
      } catch (err) {
        terminal.err(`Cannot connect to ${options.host}:${options.port}: ${describeConnectError(err)}`);
        return finish(1);
      }
      c.send({ kind: "hello", name });
      const reply = await c.next();
      switch (reply?.kind) {
        case "hello":
          conn = c;
          loggedIn = true;
          terminal.out(TEXT.loggedIn(name));
          c.onReply = (r) => {
            if (answersRequest(r) && outstanding > 0) outstanding--;
            for (const l of replyLines(r)) terminal.out(l);
            maybeDone();
          };
          c.onClose = () => {
            if (finished) return;
            terminal.err(SERVER_CLOSED);
            finish(1);
          };
          return;
        case "in-use":
          terminal.out(TEXT.inUse(name));
          break;
        case "bad-rqst-body":
          terminal.out(TEXT.disallowed(name));
          break;
        case "busy":
          terminal.out(TEXT.full);
          c.close();
          return finish(1);
        default:
          if (reply === undefined) terminal.err(SERVER_CLOSED);
          else terminal.out(replyLines(reply).join("\n"));
          c.close();
          return finish(1);
      }
      c.close();
      terminal.out(TEXT.welcome); // ask again
    };

    const chat = (line: string): void => {
      if (line === "!quit") return finish(0);
      if (line === "!who") {
        outstanding++;
        return conn!.send({ kind: "list" });
      }
      if (line.startsWith("@")) {
        const gap = line.indexOf(" ");
        const to = gap < 0 ? line.slice(1) : line.slice(1, gap);
        const text = gap < 0 ? "" : line.slice(gap + 1);
        outstanding++;
        // Sent as typed: an empty message or bad name gets the server's own answer.
        return conn!.send({ kind: "send", to, text });
      }
      terminal.out(TEXT.unknownInput);
    };

    const pump = async (): Promise<void> => {
      if (busy) return;
      busy = true;
      while (lines.length > 0 && !finished) {
        const line = lines.shift()!;
        if (loggedIn) chat(line);
        else if (line === "!quit") finish(0);
        else if (line.trim() !== "") await attemptLogin(line.trim());
      }
      busy = false;
      maybeDone();
    };

    terminal.out(TEXT.welcome);
    terminal.start({
      line: (line) => {
        lines.push(line);
        void pump();
      },
      end: () => {
        inputEnded = true;
        if (!loggedIn && !busy && lines.length === 0) return finish(0);
        maybeDone();
        setTimeout(() => finish(0), DRAIN_TIMEOUT_MS).unref();
      },
      interrupt: () => finish(0),
    });
  });
}
