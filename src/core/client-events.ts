/**
 * What happens to a client beside the chat itself: it connects, asks for a name, stores
 * a file, goes. Sessions report these to the hub (`hub.clientEvents.report`), which
 * hands them to whoever observes them (the chat logs, src/log/chat-logs.ts) and acts on
 * none of them. The chat itself (joins, leaves, lobby messages, file notices) is the
 * hub's PublicEvents (`hub.observe`).
 *
 * Why the hub carries these: the chat logs are a service that watches the hub, and
 * some of their lines are about clients the hub never meets as members (a gowing
 * connection that never joins, a JOIN refused, the reason a connection ended after the
 * hub had already let its member go). Each event names no wire: a dialect, an address, a
 * name, the hub's own JoinResult and DisconnectReason, a file and its size.
 */
import type { DisconnectReason, JoinResult } from "./errors.js";

/** One client as the logs name it: its dialect and where it connects from. */
export interface Client {
  readonly dialect: string;
  readonly address: string;
  readonly port: number;
}

export type ClientEvent =
  | { readonly kind: "connected"; readonly client: Client }
  | {
      readonly kind: "login";
      readonly client: Client;
      /** The name asked for; when it was too long to be read, its length in bytes. */
      readonly name: string | number;
      readonly result: JoinResult;
    }
  /** A file the client uploaded is kept, `size` bytes (the hub's `fileStored` tells the others, without the size). */
  | { readonly kind: "stored"; readonly client: Client; readonly user: string; readonly file: string; readonly size: number }
  | {
      readonly kind: "disconnected";
      readonly client: Client;
      /** The name it last had; undefined when it never logged in. */
      readonly name: string | undefined;
      readonly reason: DisconnectReason;
    };

export type ClientObserver = (event: ClientEvent) => void;

/** The hub's relay of ClientEvents: reported by sessions, handed to every observer in order. */
export class ClientEvents {
  private readonly observers: ClientObserver[] = [];

  /** @param onError told of an observer that threw; the others still get the event. */
  constructor(private readonly onError: (err: unknown) => void) {}

  /** Call `observer` with every event reported from now on. It must not block. Returns the function that stops it. */
  observe(observer: ClientObserver): () => void {
    this.observers.push(observer);
    return () => {
      const i = this.observers.indexOf(observer);
      if (i >= 0) this.observers.splice(i, 1);
    };
  }

  report(event: ClientEvent): void {
    for (const observe of this.observers) {
      try {
        observe(event);
      } catch (err) {
        this.onError(err); // a log that failed must not cost the client its session
      }
    }
  }
}
