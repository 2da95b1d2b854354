/**
 * A WebSocket (the `ws` package's, server side) made into a ConnectionSocket, so that a
 * Connection runs a dialect over it exactly as over TCP: a WebSocket is a transport, not
 * a dialect (docs/web.md "The WebSocket endpoint").
 *
 * - In: each binary message is a chunk of the dialect's byte stream (message boundaries
 *   mean nothing, as TCP segments mean nothing). A text message is refused: the
 *   connection closes with 1003.
 * - Out: each write is one binary message; the outbound queue writes once per event-loop
 *   turn, so a turn's frames leave in one message.
 * - Backpressure: `writableLength` is `ws.bufferedAmount` (the TCP socket's unsent bytes,
 *   frame headers included), so a client that stops reading is a slow consumer at the
 *   same queue limits as any other; `drain` is the TCP socket's.
 * - Pausing: `ws` stops reading the TCP socket, but still hands over the messages left in
 *   the chunk it is parsing; they wait here and are delivered after `resume`, never
 *   while paused (the frame reader sees what it would see from a socket).
 * - Closing: `end` sends a close frame whose code says why (closeCodeFor), after what was
 *   written; `destroy` cuts the TCP connection (no close frame: the client sees 1006).
 */
import type { Socket } from "node:net";
import { WebSocket } from "ws";
import type { DisconnectReason } from "../core/errors.js";
import type { ConnectionSocket } from "./connection-socket.js";

/** What the stream asks of its Connection: why it closes, and to close it. */
export interface StreamOwner {
  readonly disconnectReason: DisconnectReason | undefined;
  close(reason: DisconnectReason): void;
}

/** Close codes (RFC 6455 section 7.4.1) this endpoint sends. */
export const CloseCode = {
  /** The chat ended: the client left, or was refused (its dialect said why first). */
  normal: 1000,
  /** The server is shutting down. */
  goingAway: 1001,
  /** A text message: the endpoint carries bytes in binary messages only. */
  unsupportedData: 1003,
  /** A deadline missed or the dialect's protocol broken (the dialect's own error first, if it has one). */
  policyViolation: 1008,
  /** A message over the endpoint's limit (sent by `ws` itself). */
  messageTooBig: 1009,
} as const;

/** The close code for a connection closed with `reason` (destroyed connections send none). */
export function closeCodeFor(reason: DisconnectReason | undefined): number {
  switch (reason) {
    case "server_shutdown":
      return CloseCode.goingAway;
    case "protocol_error":
    case "login_timeout":
    case "stalled_frame":
    case "ack_timeout":
    case "idle_timeout":
      return CloseCode.policyViolation;
    default:
      return CloseCode.normal;
  }
}

/** ws.send's options: the same object every time (ws copies it). */
const BINARY = { binary: true } as const;

/**
 * The events of `ws` and of its TCP socket reach their stream through shared handlers
 * (`this` is the emitter), as connection.ts does for sockets: no closures per connection.
 */
const STREAM = Symbol("websocketStream");
type Owned = { [STREAM]: WebSocketStream };
const streamOf = (emitter: WebSocket | Socket): WebSocketStream => (emitter as unknown as Owned)[STREAM];
function onMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  streamOf(this).received(data, isBinary);
}
function onError(this: WebSocket, err: Error): void {
  streamOf(this).failed(err);
}
function onClose(this: WebSocket): void {
  streamOf(this).emit("close", false);
}
function onDrain(this: Socket): void {
  streamOf(this).emit("drain");
}
function deliverHeld(stream: WebSocketStream): void {
  stream.deliverHeld();
}

type Listener = (this: WebSocketStream, ...args: never[]) => void;

export class WebSocketStream implements ConnectionSocket {
  private owner: StreamOwner | undefined;
  /** A close chosen before the Connection closed (1003 for a text message); else closeCodeFor its reason. */
  private closeCode: number | undefined;
  private closeText: string | undefined;
  private paused = false;
  /** Messages `ws` handed over while paused, in order; delivered after resume. */
  private held: Buffer[] | undefined;
  private deliveryQueued = false;
  /** One listener per event: a Connection is the only one listening. */
  private readonly listeners: Partial<Record<"data" | "drain" | "end" | "error" | "close", Listener[]>> = {};

  constructor(
    private readonly ws: WebSocket,
    /** The TCP socket under `ws` (the one the upgrade came on). */
    private readonly socket: Socket,
  ) {
    (ws as unknown as Owned)[STREAM] = this;
    (socket as unknown as Owned)[STREAM] = this;
    ws.on("message", onMessage);
    ws.on("error", onError);
    ws.on("close", onClose);
    socket.on("drain", onDrain);
  }

  /** The Connection made on this stream: it is told of text messages and protocol errors. */
  attach(owner: StreamOwner): void {
    this.owner = owner;
  }

  // ---- ConnectionSocket ----------------------------------------------------------------

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }

  get writableLength(): number {
    return this.ws.bufferedAmount;
  }

  get writableHighWaterMark(): number {
    return this.socket.writableHighWaterMark;
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  write(chunk: Uint8Array | string): void {
    // Once closing, ws would count what is sent as buffered forever (bufferedAmount):
    // nothing more goes out after the close frame anyway.
    // Text too goes as a binary message: ws encodes it as UTF-8, and BINARY keeps the opcode.
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(chunk, BINARY);
  }

  cork(): void {
    this.socket.cork();
  }

  uncork(): void {
    this.socket.uncork();
  }

  pause(): void {
    this.paused = true;
    this.ws.pause();
  }

  resume(): void {
    this.paused = false;
    // Delivered on the next tick, as a socket's resume does: never inside the caller's own
    // handling of the input (the frame reader must not be re-entered).
    if (this.held !== undefined && !this.deliveryQueued) {
      this.deliveryQueued = true;
      process.nextTick(deliverHeld, this);
    }
    this.ws.resume();
  }

  end(): void {
    const reason = this.owner?.disconnectReason;
    this.ws.close(this.closeCode ?? closeCodeFor(reason), this.closeText ?? reason);
  }

  destroy(): void {
    this.ws.terminate();
  }

  setNoDelay(noDelay: boolean): void {
    this.socket.setNoDelay(noDelay);
  }

  setKeepAlive(enable: boolean, initialDelayMs: number): void {
    this.socket.setKeepAlive(enable, initialDelayMs);
  }

  on(event: "data" | "drain" | "end" | "error" | "close", listener: Listener): this {
    (this.listeners[event] ??= []).push(listener);
    return this;
  }

  // ---- from ws ----------------------------------------------------------------------------

  /** @internal */
  emit(event: "data" | "drain" | "end" | "error" | "close", arg?: Buffer | Error | boolean): void {
    const listeners = this.listeners[event];
    if (listeners === undefined) return;
    for (const l of listeners) (l as (this: WebSocketStream, arg?: unknown) => void).call(this, arg);
  }

  /** @internal A message from the client. */
  received(data: Buffer, isBinary: boolean): void {
    if (!isBinary) return this.refuseText();
    if (this.paused || this.held !== undefined) (this.held ??= []).push(data);
    else this.emit("data", data);
  }

  /** @internal What `ws` found wrong (an oversized message, a bad frame): it has sent its close frame. */
  failed(err: Error): void {
    this.owner?.close("protocol_error");
    this.emit("error", err);
  }

  /** @internal */
  deliverHeld(): void {
    this.deliveryQueued = false;
    const held = this.held;
    if (held === undefined) return;
    let i = 0;
    while (i < held.length && !this.paused) this.emit("data", held[i++]!);
    if (i === held.length) this.held = undefined;
    else held.splice(0, i);
  }

  private refuseText(): void {
    if (this.closeCode !== undefined) return;
    this.closeCode = CloseCode.unsupportedData;
    this.closeText = "binary messages only";
    this.owner?.close("protocol_error");
  }
}
