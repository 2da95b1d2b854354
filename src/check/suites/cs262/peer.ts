/**
 * One cs262 connection as the server suite drives it, in the numbering the run asks for
 * (`--wire-version`, default 1): requests written with wire.ts, answers read whole, and
 * messages the server pushes (server SEND frames) kept aside in `messages` when a case
 * waits for an answer, since they may come at any time.
 */
import type { CheckContext } from "../../context.js";
import { DEFAULT_WAIT_MS, type StreamProbe } from "../../probe/stream-probe.js";
import { fail } from "../../verdict.js";
import { showBytes } from "../../wire-view.js";
import { commandByte, describe, fields, frame, takeFrame, type CommandName, type Frame, type Version } from "./wire.js";

export interface Message {
  readonly sender: string;
  readonly recipient: string;
  readonly text: string;
}

export class Cs262Peer {
  /** Server SEND frames passed over while waiting for an answer, oldest first. */
  readonly messages: Message[] = [];

  constructor(
    readonly probe: StreamProbe,
    readonly version: Version,
  ) {}

  request(command: CommandName, args: readonly string[] = []): void {
    this.probe.send(frame(this.version, command, args));
  }

  /** The next frame, whatever it is. */
  async frame(expected: string, ms = DEFAULT_WAIT_MS): Promise<{ frame: Frame; raw: Buffer }> {
    return this.probe.expect(
      expected,
      (p) => {
        const t = takeFrame(p);
        return t && { value: { frame: t.value, raw: Buffer.from(p.subarray(0, Math.min(t.used, 200))) }, used: t.used };
      },
      ms,
    );
  }

  is(f: Frame, command: CommandName): boolean {
    return f.version === this.version && f.command === commandByte(this.version, command);
  }

  /** The next frame that is not a server SEND (those are kept in `messages`) must be `command`. */
  async answer(command: "RESPONSE" | "LISTRESPONSE", expected: string, ms?: number): Promise<Frame> {
    for (;;) {
      const { frame: f, raw } = await this.frame(expected, ms);
      if (this.is(f, command)) return f;
      if (this.is(f, "SEND")) {
        this.messages.push(toMessage(f));
        continue;
      }
      this.unexpected(expected, f, raw);
    }
  }

  /** A RESPONSE with no data: success. */
  async expectOk(what: string, ms?: number): Promise<void> {
    const expected = `RESPONSE "" (success) answering ${what}`;
    const f = await this.answer("RESPONSE", expected, ms);
    if (f.data.length > 0) this.unexpected(expected, f);
  }

  /** A RESPONSE with an error; with `text`, exactly that error. */
  async expectError(what: string, text?: string, ms?: number): Promise<string> {
    const expected = text === undefined ? `a RESPONSE with an error answering ${what}` : `RESPONSE ${JSON.stringify(text)} answering ${what}`;
    const f = await this.answer("RESPONSE", expected, ms);
    const got = f.data.toString("latin1");
    if (got === "" || (text !== undefined && got !== text)) this.unexpected(expected, f);
    return got;
  }

  /** A LISTRESPONSE's names. */
  async listed(what: string, ms?: number): Promise<string[]> {
    return fields((await this.answer("LISTRESPONSE", `LISTRESPONSE answering ${what}`, ms)).data);
  }

  /** The next message pushed by the server (one passed over earlier first). */
  async message(expected: string, ms?: number): Promise<Message> {
    const kept = this.messages.shift();
    if (kept) return kept;
    const { frame: f, raw } = await this.frame(expected, ms);
    if (!this.is(f, "SEND")) this.unexpected(expected, f, raw);
    return toMessage(f);
  }

  /**
   * SEND, and its success as this numbering says it: version 1 a RESPONSE "", version 0
   * the SEND frame echoed back (docs/cs262.md#version-0-the-originals-numbering).
   */
  async sendOk(sender: string, recipient: string, text: string): Promise<void> {
    this.request("SEND", [sender, recipient, text]);
    if (this.version === 1) return this.expectOk(`SEND to ${recipient}`);
    const expected = `the SEND frame echoed (success, version 0) for SEND to ${recipient}`;
    // To oneself the message comes first, then its echo.
    let due = sender.toLowerCase() === recipient.toLowerCase() ? 2 : 1;
    while (due > 0) {
      const m = await this.message(expected);
      if (m.sender !== sender || m.recipient.toLowerCase() !== recipient.toLowerCase() || m.text !== text) {
        fail({ sent: this.probe.shownSent(), expected, got: `SEND ${JSON.stringify([m.sender, m.recipient, m.text].join("|||"))}` });
      }
      due--;
    }
  }

  /**
   * Everything the previous requests caused has arrived: a LIST that no name matches is
   * answered after them, in order (version 0 sends nothing for some requests).
   */
  async settled(what: string): Promise<void> {
    this.request("LIST", ["|"]);
    await this.listed(`a LIST sent after ${what} (answers come in order)`);
  }

  unexpected(expected: string, f: Frame, raw?: Buffer): never {
    const bytes = raw ? ` = ${showBytes(raw, "hex")}` : "";
    return fail({ sent: this.probe.shownSent(), expected, got: `${describe(f, this.version)}${bytes}` });
  }
}

function toMessage(f: Frame): Message {
  const [sender = "", recipient = "", text = ""] = fields(f.data, 3);
  return { sender, recipient, text };
}

/** The numbering of this run. */
export const versionOf = (ctx: CheckContext): Version => ctx.wireVersion ?? 1;

export async function connection(ctx: CheckContext): Promise<Cs262Peer> {
  return new Cs262Peer(await ctx.connect(), versionOf(ctx));
}

/** A new connection logged in to a new account (CREATE answered with success). */
export async function account(ctx: CheckContext, base = "u", password?: string): Promise<{ peer: Cs262Peer; name: string }> {
  const peer = await connection(ctx);
  const name = ctx.name(base);
  peer.request("CREATE", password === undefined ? [name] : [name, password]);
  await peer.expectOk(`CREATE ${name}`);
  return { peer, name };
}
