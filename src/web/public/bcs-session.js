/**
 * One bcs connection over a WebSocket, as a state machine driven by server frames and the
 * user's requests. No DOM: the page (chat.js) hears about it through `events`.
 *
 * The rules it keeps (docs/bcs.md), like the terminal client's:
 * - `register` first; a non-zero status refuses the name, and the server then closes.
 * - Every `deliver`/`fnotify` is acknowledged with `status 0 "ok"` as soon as it arrives
 *   (the server sends the next one only after the ack, and cuts a client that does not
 *   ack within its deadline), also while a request of ours is outstanding. The one
 *   exception is while a file's contents are being written: nothing may land inside
 *   them, so those acks follow the last byte.
 * - At most one request of ours (send, sendfile, getfile) is outstanding; the others wait
 *   in order. Any `status` from the server answers the outstanding request.
 * - The WebSocket carries the bcs byte stream: messages need not match frames, in
 *   either direction, so file contents go out in slices of CHUNK_BYTES.
 */
import {
  ACK,
  BcsDecoder,
  encodeGetFile,
  encodeRegister,
  encodeSend,
  encodeSendFileHeader,
  fileNameProblem,
  FrameType,
  MAX_FILE_BYTES,
  MAX_STRING_BYTES,
  Status,
  utf8Length,
} from "./bcs-wire.js";

/** The largest WebSocket message this client sends: bcs's own frame limit (docs/bcs.md#limits-and-disconnects). */
export const CHUNK_BYTES = 64 * 1024;
/** Upload slices are read from the file only while less than this waits in the socket's buffer. */
const HIGH_WATER_BYTES = 1024 * 1024;
/** How often the socket's buffer is looked at while it is full (a WebSocket has no drain event). */
const DRAIN_POLL_MS = 10;
/** A server that accepts the WebSocket but never answers `register` is given up on. */
const REGISTER_TIMEOUT_MS = 15_000;
/** After a `status 7` (rate limited): the pause before sending the same request again. */
const RATE_LIMITED_RETRY_MS = 100;

/** The error a request fails with when the connection ends before its answer. */
export class ConnectionLost extends Error {
  constructor() {
    super("the connection was lost before the server answered");
    this.name = "ConnectionLost";
  }
}

/** A request the server refused: `code` is its status code, `message` its words. */
export class Refused extends Error {
  constructor(code, message) {
    super(message);
    this.name = "Refused";
    this.code = code;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * events: {
 *   registered(),                      // the name was accepted
 *   refused(code, message),            // the name was not; the connection then ends
 *   deliver(from, message),            // a chat line or a notice from `server`
 *   fileNotice(user, file),            // someone uploaded a file
 *   closed({ registered, reason }),    // the end, once; reason says why, in words
 * }
 */
export class BcsSession {
  #ws;
  #events;
  #phase = "connecting"; // connecting -> registering -> chatting -> over
  #queue = [];
  #outstanding = undefined;
  #uploading = false;
  #deferredAcks = 0;
  #registerTimer;
  #decoder;

  /**
   * @param {string} url the WebSocket's URL (`ws://host/ws/bcs`)
   * @param {string} name the name to register
   */
  constructor(url, name, events, WebSocketImpl = WebSocket) {
    this.name = name;
    this.#events = events;
    this.#decoder = new BcsDecoder({
      frame: (f) => this.#onFrame(f),
      body: (bytes) => this.#onBody(bytes),
      bodyEnd: () => this.#onBodyEnd(),
      error: (message) => this.#end(`the server sent something that is not bcs (${message})`),
    });
    const ws = new WebSocketImpl(url);
    ws.binaryType = "arraybuffer";
    ws.addEventListener("open", () => this.#onOpen());
    ws.addEventListener("message", (e) => {
      if (this.#phase === "over") return;
      if (typeof e.data === "string") return this.#end("the server sent text, not bcs bytes");
      this.#decoder.push(e.data);
    });
    ws.addEventListener("close", () => this.#end(this.#phase === "connecting" ? "could not reach the server" : "the server closed the connection"));
    this.#ws = ws;
    this.#registerTimer = setTimeout(() => this.#end(`no answer from the server within ${REGISTER_TIMEOUT_MS / 1000} s`), REGISTER_TIMEOUT_MS);
  }

  get registered() {
    return this.#phase === "chatting";
  }

  /** Leave: close the connection, failing whatever is waiting. */
  close() {
    this.#end("you left");
  }

  // ---- requests -------------------------------------------------------------------------

  /** Send `text` to everyone; resolves when the server has taken it, rejects with Refused or ConnectionLost. */
  send(text) {
    const bytes = utf8Length(text);
    if (bytes > MAX_STRING_BYTES) return Promise.reject(new Refused(Status.BadMessage, `message too long (${bytes} bytes; a bcs message holds at most ${MAX_STRING_BYTES})`));
    return this.#request({ kind: "send", frame: encodeSend(text) });
  }

  /**
   * Upload `file` (a File or Blob with a name). `progress(bytesOut, size)` is called as
   * its contents leave the browser; resolves when the server has stored it.
   */
  upload(file, name, progress) {
    const problem = fileNameProblem(name);
    if (problem !== undefined) return Promise.reject(new Refused(Status.FileError, problem));
    if (file.size > MAX_FILE_BYTES) return Promise.reject(new Refused(Status.FileError, "file too large for bcs (4 GiB at most)"));
    return this.#request({ kind: "sendfile", file, name, progress, reply: undefined, bodySent: false });
  }

  /** Download the file `name`; `progress(bytesIn, size)` as it comes; resolves to a Blob. */
  download(name, progress) {
    const problem = fileNameProblem(name);
    if (problem !== undefined) return Promise.reject(new Refused(Status.FileError, problem));
    return this.#request({ kind: "getfile", frame: encodeGetFile(name), progress, size: -1, parts: [], received: 0 });
  }

  #request(request) {
    if (this.#phase === "over") return Promise.reject(new ConnectionLost());
    return new Promise((resolve, reject) => {
      request.resolve = resolve;
      request.reject = reject;
      this.#queue.push(request);
      this.#pump();
    });
  }

  #pump() {
    if (this.#phase !== "chatting" || this.#outstanding !== undefined) return;
    const request = this.#queue.shift();
    if (request === undefined) return;
    this.#outstanding = request;
    if (request.kind === "sendfile") this.#startUpload(request);
    else this.#write(request.frame);
  }

  /** The outstanding request is settled: go on with the next. */
  #complete() {
    this.#outstanding = undefined;
    this.#pump();
  }

  async #startUpload(request) {
    const { file, name, progress } = request;
    this.#uploading = true;
    this.#write(encodeSendFileHeader(name, file.size));
    progress(0, file.size);
    try {
      for (let offset = 0; offset < file.size; ) {
        while (this.#ws.bufferedAmount > HIGH_WATER_BYTES && this.#phase !== "over") await sleep(DRAIN_POLL_MS);
        if (this.#phase === "over") return;
        const slice = await file.slice(offset, Math.min(offset + CHUNK_BYTES, file.size)).arrayBuffer();
        if (this.#phase === "over") return;
        this.#ws.send(slice);
        offset += slice.byteLength;
        progress(Math.max(0, offset - this.#ws.bufferedAmount), file.size);
      }
    } catch (err) {
      // The length is on the wire already: the frame can neither be finished nor taken back.
      this.#end(`could not read ${name} (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    this.#uploading = false;
    this.#flushDeferredAcks();
    request.bodySent = true;
    // Keep the bar moving while the last slices leave, until the server answers.
    while (this.#ws.bufferedAmount > 0 && request.reply === undefined && this.#phase !== "over") {
      progress(Math.max(0, file.size - this.#ws.bufferedAmount), file.size);
      await sleep(DRAIN_POLL_MS);
    }
    // A refusal (file exists, too large) may come before the contents are all sent.
    if (request.reply !== undefined && this.#outstanding === request) this.#settleUpload(request);
  }

  #settleUpload(request) {
    const { code, message } = request.reply;
    if (code === Status.Ok) {
      request.progress(request.file.size, request.file.size);
      request.resolve();
    } else request.reject(new Refused(code, message));
    this.#complete();
  }

  // ---- frames from the server -------------------------------------------------------------

  #onOpen() {
    if (this.#phase !== "connecting") return;
    this.#phase = "registering";
    this.#write(encodeRegister(this.name));
  }

  #onFrame(frame) {
    if (this.#phase === "over") return;
    if (this.#phase === "registering") return this.#onRegisterReply(frame);
    switch (frame.type) {
      case FrameType.Deliver:
        this.#ack();
        return this.#events.deliver(frame.from, frame.message);
      case FrameType.FNotify:
        this.#ack();
        return this.#events.fileNotice(frame.user, frame.file);
      case FrameType.Status:
        return this.#onReply(frame.code, frame.message);
      case FrameType.RecvFile:
        return this.#onRecvFile(frame.size);
    }
  }

  #onRegisterReply(frame) {
    if (frame.type !== FrameType.Status) return this.#end("the server answered register with something other than a status");
    clearTimeout(this.#registerTimer);
    if (frame.code !== Status.Ok) {
      this.#events.refused(frame.code, frame.message);
      return this.#end(frame.message);
    }
    this.#phase = "chatting";
    this.#events.registered();
    this.#pump();
  }

  #onReply(code, message) {
    const request = this.#outstanding;
    if (request === undefined || (request.kind === "getfile" && request.size >= 0)) return this.#end("the server sent a status nothing asked for");
    switch (request.kind) {
      case "send":
      case "getfile":
        // Over the message rate (docs/bcs.md#floods-and-abuse-limits): the same request again after a pause.
        if (code === Status.RateLimited) return void this.#retryLater(request);
        if (code === Status.Ok) {
          if (request.kind === "send") request.resolve();
          else request.reject(new Refused(code, "the server sent no file"));
        } else request.reject(new Refused(code, message));
        return this.#complete();
      case "sendfile":
        if (request.reply !== undefined) return this.#end("the server answered one upload twice");
        request.reply = { code, message };
        if (request.bodySent) this.#settleUpload(request);
        return;
    }
  }

  async #retryLater(request) {
    await sleep(RATE_LIMITED_RETRY_MS);
    if (this.#phase === "chatting" && this.#outstanding === request) this.#write(request.frame);
  }

  #onRecvFile(size) {
    const request = this.#outstanding;
    if (request?.kind !== "getfile" || request.size >= 0) return this.#end("the server sent a file nothing asked for");
    request.size = size;
    request.progress(0, size);
  }

  #onBody(bytes) {
    const request = this.#outstanding;
    if (this.#phase === "over" || request?.kind !== "getfile") return;
    // The piece aliases the received message; the Blob made at the end copies it.
    request.parts.push(bytes);
    request.received += bytes.length;
    request.progress(request.received, request.size);
  }

  #onBodyEnd() {
    const request = this.#outstanding;
    if (this.#phase === "over" || request?.kind !== "getfile") return;
    request.progress(request.size, request.size);
    request.resolve(new Blob(request.parts, { type: "application/octet-stream" }));
    this.#complete();
  }

  // ---- output ---------------------------------------------------------------------------

  #ack() {
    if (this.#uploading) this.#deferredAcks++;
    else this.#write(ACK);
  }

  #flushDeferredAcks() {
    for (; this.#deferredAcks > 0; this.#deferredAcks--) this.#write(ACK);
  }

  /** Bytes of the bcs stream, in WebSocket messages of at most CHUNK_BYTES. */
  #write(bytes) {
    if (this.#phase === "over") return;
    for (let at = 0; at < bytes.length; at += CHUNK_BYTES) this.#ws.send(bytes.subarray(at, at + CHUNK_BYTES));
  }

  /** The end, once: fail what waits, close the socket, tell the page why. */
  #end(reason) {
    if (this.#phase === "over") return;
    const registered = this.#phase === "chatting";
    this.#phase = "over";
    clearTimeout(this.#registerTimer);
    const waiting = this.#outstanding === undefined ? this.#queue : [this.#outstanding, ...this.#queue];
    this.#outstanding = undefined;
    this.#queue = [];
    for (const r of waiting) r.reject(new ConnectionLost());
    try {
      this.#ws.close(1000);
    } catch {
      // already closing
    }
    this.#events.closed({ registered, reason });
  }
}
