// Well-behaved probe clients, one per dialect: each logs in and round-trips a direct
// message to itself (bcs: a message and its status reply, bcs having no directs) every
// few hundred ms. A round trip that does not come back in time is a hang.
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import WebSocket from "ws";
import * as bcs from "../../dist/src/protocols/bcs/codec.js";
import * as cs262 from "../../dist/src/protocols/cs262/codec.js";
import * as gowing from "../../dist/src/protocols/gowing/codec.js";
import { ServerStreamReader } from "../../dist/src/protocols/gowing/server-stream.js";
import * as udp from "../../dist/src/protocols/udp/codec.js";
import { FrameReader } from "../../dist/src/transport/frame-reader.js";

/** A TCP connection whose server frames are decoded with the dialect's codec. */
function openStream(port, codec, onFrame) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const reader = new FrameReader(codec, { onFrame, onBody() {}, onBodyEnd() {}, onDecodeError() {} }, 1 << 20);
    socket.on("data", (d) => reader.push(d));
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
    socket.on("error", () => undefined);
  });
}

/**
 * Each probe: `start()` connects and logs in; `roundTrip(token)` sends one message that
 * comes back with `token` in it; `waiting` is called with every server frame.
 */
class Probe {
  constructor(dialect, port, name) {
    this.dialect = dialect;
    this.port = port;
    this.name = name;
    this.waiting = undefined; // (matches) => void
    this.closed = false;
  }

  seen(match) {
    if (this.waiting !== undefined && match) {
      const w = this.waiting;
      this.waiting = undefined;
      w();
    }
  }

  /** Resolves when the server answers the token, rejects after `ms`. */
  expect(ms, send) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`${this.dialect} probe: no answer within ${ms} ms`));
      }, ms);
      this.waiting = () => {
        clearTimeout(timer);
        resolve();
      };
      send();
    });
  }

  close() {
    this.closed = true;
    this.socket?.destroy();
    this.udpSocket?.close();
  }
}

class LabProbe extends Probe {
  async start(ms) {
    let partial = "";
    this.token = "HELLO";
    this.socket = await openStream(this.port, { decode: () => ({ kind: "need" }) }, () => undefined);
    this.socket.removeAllListeners("data");
    this.socket.on("data", (d) => {
      partial += d.toString("utf8");
      let nl;
      while ((nl = partial.indexOf("\n")) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        this.seen(line === `HELLO ${this.name}` || line === `DELIVERY ${this.name} ${this.token}`);
      }
    });
    await this.expect(ms, () => this.socket.write(`HELLO-FROM ${this.name}\n`));
  }
  roundTrip(token, ms) {
    this.token = token;
    return this.expect(ms, () => this.socket.write(`SEND ${this.name} ${token}\n`));
  }
}

class GowingProbe extends Probe {
  async start(ms) {
    this.token = undefined;
    let accepted = false;
    // docs/gowing.md#frames: the JOIN reply is one raw byte, then frames (ServerStreamReader tells them apart).
    const reader = new ServerStreamReader(
      {
        status: (status) => {
          accepted ||= status === 0;
          if (this.token === undefined) this.seen(status === 0);
        },
        frame: (f) => {
          if (this.token !== undefined) this.seen(f.type === 4 && f.text === `[${this.name}] (private) ${this.token}`);
        },
      },
      (byte) => !accepted && byte !== 5, // 5: an ERROR frame
    );
    this.socket = await openStream(this.port, { decode: () => ({ kind: "need" }) }, () => undefined);
    this.socket.removeAllListeners("data");
    this.socket.on("data", (d) => reader.push(d));
    await this.expect(ms, () => this.socket.write(gowing.encodeText(0, this.name)));
  }
  roundTrip(token, ms) {
    this.token = token;
    // DIRECT names its target as @name (docs/gowing.md#session).
    return this.expect(ms, () => this.socket.write(gowing.encodeText(4, `@${this.name} ${token}`)));
  }
}

class BcsProbe extends Probe {
  async start(ms) {
    this.socket = await openStream(this.port, new bcs.BcsCodec(1 << 20), (f) => {
      // Acknowledge every deliver and notice at once (the fuzzers' lobby traffic).
      if (f.type === 3 || f.type === 6) this.socket.write(bcs.encodeStatus(0, "ok"));
      if (f.type === 4) this.seen(f.code === 0);
    });
    await this.expect(ms, () => this.socket.write(bcs.encodeFrame({ type: 1, username: this.name })));
  }
  roundTrip(token, ms) {
    return this.expect(ms, () => this.socket.write(bcs.encodeFrame({ type: 2, message: token })));
  }
}

/** bcs over the web listener's /ws/bcs: the server's bytes in binary messages, any boundaries. */
class WsBcsProbe extends Probe {
  async start(ms) {
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}/ws/bcs`);
    this.ws = ws;
    const reader = new FrameReader(new bcs.BcsCodec(1 << 20), {
      onFrame: (f) => {
        if (f.type === 3 || f.type === 6) ws.send(bcs.encodeStatus(0, "ok"));
        if (f.type === 4) this.seen(f.code === 0);
      },
      onBody() {},
      onBodyEnd() {},
      onDecodeError() {},
    }, 1 << 20);
    ws.on("message", (d) => reader.push(d));
    ws.on("error", () => undefined);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`ws-bcs probe: upgrade refused (${res.statusCode})`)));
    });
    await this.expect(ms, () => ws.send(bcs.encodeFrame({ type: 1, username: this.name })));
  }
  roundTrip(token, ms) {
    return this.expect(ms, () => this.ws.send(bcs.encodeFrame({ type: 2, message: token })));
  }
  close() {
    super.close();
    this.ws?.terminate();
  }
}

class Cs262Probe extends Probe {
  async start(ms) {
    this.token = undefined;
    this.socket = await openStream(this.port, new cs262.Cs262Codec(1 << 20), (f) => {
      if (this.token === undefined) {
        if (f.command === 7) this.loginError = f.error;
        this.seen(f.command === 7);
      } else if (f.command === 3 && f.message === this.token) this.gotSend = true;
      else if (f.command === 7) this.seen(this.gotSend && f.error === "");
    });
    // CREATE, or LOGIN when an earlier connection of the probe made the account.
    await this.expect(ms, () => this.socket.write(cs262.encodeFrame({ command: 1, name: this.name, password: undefined })));
    if (this.loginError === "") return;
    await this.expect(ms, () => this.socket.write(cs262.encodeFrame({ command: 6, name: this.name, password: undefined })));
    if (this.loginError !== "") throw new Error(`cs262 probe: login refused: ${this.loginError}`);
  }
  roundTrip(token, ms) {
    this.token = token;
    this.gotSend = false;
    return this.expect(ms, () => this.socket.write(cs262.encodeFrame({ command: 3, sender: this.name, recipient: this.name, message: token })));
  }
}

class UdpProbe extends Probe {
  async start(ms) {
    this.token = undefined;
    const s = createSocket("udp4");
    this.udpSocket = s;
    await new Promise((resolve) => s.bind(0, "127.0.0.1", resolve));
    s.on("error", () => undefined);
    s.on("message", (d) => {
      const r = udp.decodeDatagram(d);
      if (!r.ok) return;
      if (this.token === undefined) this.seen(r.frame.op === 0);
      else this.seen(r.frame.op === 23 && r.frame.text === this.token);
    });
    const register = udp.encodeFrame({ op: 11, name: this.name });
    await this.expect(ms, () => s.send(register, this.port, "127.0.0.1"));
  }
  roundTrip(token, ms) {
    this.token = token;
    return this.expect(ms, () => this.udpSocket.send(udp.encodeFrame({ op: 22, to: this.name, text: token }), this.port, "127.0.0.1"));
  }
}

const PROBES = { lab: LabProbe, gowing: GowingProbe, bcs: BcsProbe, cs262: Cs262Probe, udp: UdpProbe, "ws-bcs": WsBcsProbe };

export function createProbe(dialect, port, name) {
  return new PROBES[dialect](dialect, port, name);
}
