#!/usr/bin/env node
// The bcs fan-out calibration row (bench/README.md "Calibration"): the least a Node bcs
// server can do for the lobby fan-out as bench/gen/gen.c drives it. `register` (answered
// `status 0 "ok"`, all gen waits for) and `send` (a `deliver` to every other registered
// client, `status 0 "ok"` to the sender) only, with the seed's ack pacing: at most one
// deliver unacknowledged per client, the rest wait in order, and any `status` from the
// client is its ack (docs/bcs.md "Messages and ack pacing"). No user list, presence
// notices, files, limits, checks or logs. It prints the same "listening"/"ready" lines
// as `switchboard serve`.
import { createServer } from "node:net";

const OK = Buffer.from([4, 0, 0, 2, 0x6f, 0x6b]); // status 0 "ok"
const members = new Set(); // registered clients: { socket, head, awaiting, pending }
// Output is gathered per socket and written once per event-loop turn, as lab-relay.mjs
// does (a sender's "ok" and the deliver its ack released leave in one write).
const out = new Map(); // socket -> Buffer[] waiting
const queue = (socket, frame) => {
  const q = out.get(socket);
  if (q) return void q.push(frame);
  if (out.size === 0) setImmediate(flush);
  out.set(socket, [frame]);
};
const flush = () => {
  for (const [socket, q] of out) socket.write(q.length === 1 ? q[0] : Buffer.concat(q));
  out.clear();
};
// Pacing: a deliver goes now if nothing is unacknowledged, else it waits its turn.
const deliver = (c, frame) => {
  if (c.awaiting) return void c.pending.push(frame);
  c.awaiting = true;
  queue(c.socket, frame);
};
const server = createServer({ noDelay: true }, (socket) => {
  const c = { socket, head: null, awaiting: false, pending: [] };
  let rest = null; // the start of a frame cut by a read
  socket.on("data", (chunk) => {
    const b = rest ? Buffer.concat([rest, chunk]) : chunk;
    let at = 0;
    for (;;) {
      // Every frame gen sends is type, a string (len:u16 | bytes); a status has its code:u8 first.
      const type = b[at];
      const str = type === 4 ? at + 2 : at + 1;
      if (b.length < str + 2) break;
      const end = str + 2 + b.readUInt16BE(str);
      if (b.length < end) break;
      if (type === 4) {
        if (c.awaiting) { c.awaiting = false; if (c.pending.length) deliver(c, c.pending.shift()); }
      } else if (type === 2 && c.head) {
        // deliver = 3 | from:string | message:string, and send's string is the message as it is
        const frame = Buffer.allocUnsafe(c.head.length + end - str);
        c.head.copy(frame, 0);
        b.copy(frame, c.head.length, str, end);
        for (const m of members) if (m !== c) deliver(m, frame);
        queue(socket, OK);
      } else if (type === 1) {
        c.head = Buffer.concat([Buffer.from([3]), b.subarray(str, end)]); // 3 | from:string
        members.add(c);
        queue(socket, OK);
      }
      at = end;
    }
    rest = at < b.length ? b.subarray(at) : null;
  });
  socket.on("close", () => members.delete(c));
  socket.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening bcs tcp 127.0.0.1:${server.address().port}\nready\n`);
});
process.on("SIGTERM", () => process.exit(0));
