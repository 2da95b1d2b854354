/**
 * Reading typed commands, shared by the clients whose input is "lines become requests,
 * a few lines are handled locally" (bcs, cs262, udp): the local actions, quitting, and
 * flow control of piped input.
 */
import type { Terminal } from "./terminal.js";

/** What a typed line can mean without asking the server. */
export type LocalAction =
  | { readonly kind: "empty" }
  | { readonly kind: "help" }
  | { readonly kind: "invalid"; readonly message: string };

export interface CommandInput<R extends { readonly kind: string }> {
  parse(line: string): R | LocalAction;
  /** Printed for `help`. */
  help: string;
  /** A request for the server (quit included: `quit` below is told of it too). */
  request(request: R): void;
  end(): void;
  interrupt(): void;
}

const LOCAL = new Set(["empty", "help", "invalid"]);

function isLocal<R extends { readonly kind: string }>(action: R | LocalAction): action is LocalAction {
  return LOCAL.has(action.kind);
}

/** Start reading lines; a `quit` request stops the reading before it is passed on. */
export function readCommands<R extends { readonly kind: string }>(terminal: Terminal, input: CommandInput<R>): void {
  terminal.start({
    line: (line) => {
      const action = input.parse(line);
      if (isLocal(action)) {
        if (action.kind === "help") terminal.out(input.help);
        else if (action.kind === "invalid") terminal.err(`error: ${action.message}`);
        return;
      }
      if (action.kind === "quit") terminal.close(); // nothing typed after quit is read
      input.request(action);
    },
    end: input.end,
    interrupt: input.interrupt,
  });
}

/** Piped input is read ahead only this far while requests wait for answers. */
const BACKLOG_HIGH = 256;
const BACKLOG_LOW = 32;

/** Flow control for piped input: called with the number of requests waiting. */
export function backlogControl(terminal: Terminal): (waiting: number) => void {
  let paused = false;
  return (waiting) => {
    if (!paused && waiting >= BACKLOG_HIGH) {
      paused = true;
      terminal.pauseInput();
    } else if (paused && waiting <= BACKLOG_LOW) {
      paused = false;
      terminal.resumeInput();
    }
  };
}
