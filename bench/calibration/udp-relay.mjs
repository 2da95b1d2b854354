#!/usr/bin/env node
// The udp fan-out calibration row (bench/README.md "Calibration"): the least a Node CHAT
// UDP server can do for the lobby fan-out as bench/gen/gen.c drives it. REGISTER
// (answered OK) and PUBLIC (a public message 21 `sender \0 text` to every registered
// address, the sender included, docs/udp.md) only. No LIST, INFO, PRIVATE, LOGOUT, idle
// timeout, limits, checks or logs. It prints the same "listening"/"ready" lines as
// `switchboard serve`.
import { createSocket } from "node:dgram";

const OK = Buffer.from([0, 0, 0]);
const members = new Map(); // "address:port" -> { address, port, name }
const socket = createSocket("udp4");
socket.on("message", (d, from) => {
  if (d.length < 3) return;
  const key = `${from.address}:${from.port}`;
  if (d[0] === 20) {
    const m = members.get(key);
    if (!m) return;
    // One datagram per address: UDP has no batching to do (one send is one datagram).
    const msg = Buffer.allocUnsafe(4 + m.name.length + d.length - 3);
    msg[0] = 21;
    msg.writeUInt16BE(msg.length - 3, 1);
    m.name.copy(msg, 3);
    msg[3 + m.name.length] = 0;
    d.copy(msg, 4 + m.name.length, 3);
    for (const to of members.values()) socket.send(msg, to.port, to.address);
  } else if (d[0] === 11) {
    members.set(key, { address: from.address, port: from.port, name: Buffer.from(d.subarray(3)) });
    socket.send(OK, from.port, from.address);
  }
});
socket.on("error", () => {});
socket.bind(0, "127.0.0.1", () => {
  process.stdout.write(`listening udp udp 127.0.0.1:${socket.address().port}\nready\n`);
});
process.on("SIGTERM", () => process.exit(0));
