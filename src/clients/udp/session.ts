/**
 * The udp client's side of CHAT UDP (seed 004, docs/udp.md), as a state machine driven by
 * datagrams, typed actions and timers. UDP loses datagrams, so:
 * - REGISTER is retried until OK or Error arrives (the server answers a repeated
 *   REGISTER of the same name from the same address with OK again);
 * - INFO is sent every `keepaliveMs`, well inside the server's idle limit (90 s by
 *   default), and its replies are not printed unless the user asked with /info; when
 *   nothing at all came from the server in one such interval, it has gone away;
 * - a private message is shown as sent only once the server says OK (an Error, or no
 *   answer within PRIVATE_ANSWER_MS, shows no such line);
 * - the list the server sends every 30 s is printed only when it changed (/list's
 *   answer always is);
 * - LOGOUT is sent twice at most, and the client leaves after a short wait either way.
 * Nothing here throws on what the server sends: an undecodable datagram is reported
 * and skipped.
 */
import type { Socket } from "node:dgram";
import { decodeDatagram, encodeEmpty, encodeNamed, encodeText } from "../../protocols/udp/codec.js";
import { HEADER_BYTES, Op, type UdpFrame } from "../../protocols/udp/frames.js";
import { chatLine, printable } from "../shared/printable.js";
import type { Printer } from "../shared/terminal.js";
import type { Action } from "./commands.js";

export const Exit = {
  /** /quit, Ctrl+C or end of input. */
  Ok: 0,
  /** No answer to REGISTER, the server's port is closed (ICMP port unreachable), or it has gone away. */
  Unreachable: 1,
  /** The server refused the name (its Error is printed). */
  Refused: 2,
} as const;

/** REGISTER is sent this often until answered, at most REGISTER_ATTEMPTS times. */
const REGISTER_RETRY_MS = 1000;
const REGISTER_ATTEMPTS = 5;
/** After /quit: LOGOUT again after this long without OK, and leave after LEAVE_WAIT_MS anyway. */
const LOGOUT_RETRY_MS = 500;
const LEAVE_WAIT_MS = 1500;
/** A private message not answered OK or Error within this long is taken as lost. */
const PRIVATE_ANSWER_MS = 5000;
/** A list split over datagrams whose next part takes longer than this is printed as it is. */
const LIST_PART_WAIT_MS = 2000;
/** The largest UDP payload over IPv4 (65507) less the 3-byte header. */
const MAX_DATA_BYTES = 65_507 - HEADER_BYTES;

export interface ClientEvents {
  /** REGISTER was answered OK: start reading the user's input. */
  registered(): void;
}

export class UdpClientSession {
  readonly done: Promise<number>;
  private resolveDone!: (code: number) => void;
  private phase: "registering" | "chatting" | "leaving" | "over" = "registering";
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private keepalive: NodeJS.Timeout | undefined;
  /** /info requests whose reply is still to be printed (keepalive replies are not). */
  private infoWanted = 0;
  private listParts: string[] = [];
  private listPartAt = 0;
  /** /list requests whose answer is still to be printed (the periodic lists need not be). */
  private listWanted = 0;
  /** The last list printed, to leave out periodic lists that say nothing new. */
  private lastList: string | undefined;
  /** Private messages sent and not yet answered: their line is printed on OK, oldest first. */
  private readonly privates: { line: string; timer: NodeJS.Timeout }[] = [];
  /** Something came from the server since the last keepalive INFO went out. */
  private heard = true;

  constructor(
    private readonly socket: Socket,
    private readonly username: string,
    private readonly ui: Printer,
    private readonly keepaliveMs: number,
    private readonly events: ClientEvents,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    socket.on("message", (msg) => this.onDatagram(msg));
    socket.on("error", (err) => this.onSocketError(err));
    this.sendRegister();
  }

  // ---- the user's side --------------------------------------------------------------

  act(action: Action): void {
    if (this.phase !== "chatting") return;
    switch (action.kind) {
      case "public":
        if (this.tooLong(action.text, 0)) return;
        return this.send(encodeText(Op.Public, action.text));
      case "private":
        if (this.tooLong(action.text, Buffer.byteLength(action.to, "utf8") + 1)) return;
        this.awaitAnswer(`(private to ${printable(action.to)}) ${chatLine(this.username, action.text)}`, action.to);
        return this.send(encodeNamed(Op.Private, action.to, action.text));
      case "list":
        this.listWanted++;
        return this.send(encodeEmpty(Op.List));
      case "info":
        this.infoWanted++;
        return this.send(encodeEmpty(Op.Info));
      case "quit":
        return this.leave();
      default:
        return; // help, empty and invalid lines are the caller's
    }
  }

  /** /quit, end of input or Ctrl+C: LOGOUT, then leave when it is answered or soon anyway. */
  leave(): void {
    if (this.phase === "over" || this.phase === "leaving") return;
    if (this.phase === "registering") return this.finish(Exit.Ok);
    this.phase = "leaving";
    clearInterval(this.keepalive);
    const logout = encodeEmpty(Op.Logout);
    this.send(logout);
    this.timer = setTimeout(() => {
      this.send(logout);
      this.timer = setTimeout(() => this.finish(Exit.Ok), LEAVE_WAIT_MS - LOGOUT_RETRY_MS);
    }, LOGOUT_RETRY_MS);
  }

  // ---- the server's side ------------------------------------------------------------

  private onDatagram(msg: Buffer): void {
    if (this.phase === "over") return;
    const decoded = decodeDatagram(msg);
    if (!decoded.ok) {
      this.ui.err(`error: undecodable datagram from the server (${decoded.error.message})`);
      return;
    }
    const f = decoded.frame;
    this.heard = true;
    if (this.phase === "registering") return this.whileRegistering(f);
    switch (f.op) {
      case Op.Ok:
        // The answer to LOGOUT ends the session; otherwise it answers a private message.
        if (this.phase === "leaving") return this.finish(Exit.Ok);
        return this.answered(true);
      case Op.Error:
        // Only PRIVATE is answered OK or Error, so an Error while one waits is most
        // likely its answer (a rate-limited or refused public line is the exception).
        this.answered(false);
        return this.ui.err(`error: ${printable(f.message)}`);
      case Op.PublicMessage:
        return this.ui.out(chatLine(f.from, f.text));
      case Op.PrivateMessage:
        return this.ui.out(`(private) ${chatLine(f.from, f.text)}`);
      case Op.InfoReply:
        if (this.infoWanted === 0) return; // a keepalive's answer
        this.infoWanted--;
        return this.ui.out(`server: ${printable(f.info)}`);
      case Op.UserList:
        return this.listPart(f.names, f.more);
      default:
        return; // client opcodes: nothing a server should send; ignored
    }
  }

  private whileRegistering(f: UdpFrame): void {
    if (f.op === Op.Error) {
      this.ui.err(`error: ${printable(f.message)}`);
      return this.finish(Exit.Refused);
    }
    if (f.op !== Op.Ok) return; // e.g. a late datagram meant for an earlier session of this port
    clearTimeout(this.timer);
    this.phase = "chatting";
    this.keepalive = setInterval(() => this.keepAlive(), this.keepaliveMs);
    this.ui.out(`registered as ${printable(this.username)}; /help for commands`);
    this.events.registered();
  }

  /** INFO, unless the last one (and everything else) went unanswered: then the server is gone. */
  private keepAlive(): void {
    if (!this.heard) return this.goneAway(`no answer to the keepalive within ${seconds(this.keepaliveMs)}`);
    this.heard = false;
    this.send(encodeEmpty(Op.Info));
  }

  private goneAway(why: string): void {
    this.ui.err(`error: the server has gone away (${why})`);
    this.finish(Exit.Unreachable);
  }

  private awaitAnswer(line: string, to: string): void {
    const entry = {
      line,
      timer: setTimeout(() => {
        this.privates.splice(this.privates.indexOf(entry), 1);
        this.ui.err(`error: no answer from the server to the message for ${printable(to)}; it may not have arrived`);
      }, PRIVATE_ANSWER_MS),
    };
    this.privates.push(entry);
  }

  /** The oldest private message waiting was answered: show it as sent on OK. */
  private answered(ok: boolean): void {
    const entry = this.privates.shift();
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    if (ok) this.ui.out(entry.line);
  }

  /** docs/udp.md#the-user-list-43: every part of a list but the last ends with NUL (`more`). */
  private listPart(names: readonly string[], more: boolean): void {
    const now = Date.now();
    if (this.listParts.length > 0 && now - this.listPartAt > LIST_PART_WAIT_MS) this.printList(); // its last part was lost
    this.listParts.push(...names);
    this.listPartAt = now;
    if (!more) this.printList();
  }

  private printList(): void {
    const names = this.listParts;
    this.listParts = [];
    const line = `online: ${names.length > 0 ? names.map(printable).join(", ") : "nobody"}`;
    const asked = this.listWanted > 0;
    if (asked) this.listWanted--;
    if (!asked && line === this.lastList) return; // the periodic list, unchanged
    this.lastList = line;
    this.ui.out(line);
  }

  private onSocketError(err: NodeJS.ErrnoException): void {
    if (this.phase === "over") return;
    if (this.phase === "leaving") return this.finish(Exit.Ok);
    // A connected UDP socket reports an ICMP "port unreachable" as ECONNREFUSED.
    const why = err.code === "ECONNREFUSED" ? "port unreachable" : (err.code ?? err.message);
    if (this.phase === "chatting") return this.goneAway(why);
    this.ui.err(`error: the server is unreachable (${why})`);
    this.finish(Exit.Unreachable);
  }

  // ---- helpers ----------------------------------------------------------------------

  private sendRegister(): void {
    if (this.attempts >= REGISTER_ATTEMPTS) {
      this.ui.err(`error: no answer to REGISTER after ${REGISTER_ATTEMPTS} attempts`);
      return this.finish(Exit.Unreachable);
    }
    this.attempts++;
    this.send(encodeText(Op.Register, this.username));
    this.timer = setTimeout(() => this.sendRegister(), REGISTER_RETRY_MS);
  }

  private tooLong(text: string, extra: number): boolean {
    const bytes = Buffer.byteLength(text, "utf8") + extra;
    if (bytes <= MAX_DATA_BYTES) return false;
    this.ui.err(`error: message too long (${bytes} bytes; a datagram carries at most ${MAX_DATA_BYTES})`);
    return true;
  }

  private send(datagram: Buffer): void {
    try {
      this.socket.send(datagram, (err: NodeJS.ErrnoException | null) => {
        if (err === null) return;
        if (err.code === "ECONNREFUSED") this.onSocketError(err);
        else if (this.phase !== "over") this.ui.err(`error: not sent (${err.code ?? err.message})`);
      });
    } catch (err) {
      this.onSocketError(err as NodeJS.ErrnoException);
    }
  }

  private finish(code: number): void {
    if (this.phase === "over") return;
    this.phase = "over";
    clearTimeout(this.timer);
    clearInterval(this.keepalive);
    for (const p of this.privates.splice(0)) clearTimeout(p.timer);
    try {
      this.socket.close();
    } catch {
      // already closed
    }
    this.resolveDone(code);
  }
}

/** `30 s`, `150 ms`: a keepalive interval as the user gave it. */
function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
