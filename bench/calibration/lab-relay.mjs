#!/usr/bin/env node
// The lab-dm calibration row (bench/README.md "Calibration"): the least a Node lab relay
// can do, HELLO-FROM and SEND only, no limits, no checks, no logs. It measures what Node
// and the kernel cost on this machine in this run, so Switchboard's rate is read as a
// ratio to it. It prints the same "listening"/"ready" lines as `switchboard serve`.
import { createServer } from "node:net";

const online = new Map(); // name -> socket
// Output is gathered per socket and written once per event-loop turn (one syscall for
// many lines), the batching any fast Node server does; nothing else is optimised.
const out = new Map(); // socket -> text waiting
const queue = (socket, text) => {
  if (out.size === 0) setImmediate(flush);
  out.set(socket, (out.get(socket) ?? "") + text);
};
const flush = () => {
  for (const [socket, text] of out) socket.write(text, "latin1");
  out.clear();
};
const server = createServer({ noDelay: true }, (socket) => {
  let name = "";
  let rest = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop();
    for (const line of lines) {
      if (line.startsWith("SEND ")) {
        const sp = line.indexOf(" ", 5);
        const to = online.get(line.slice(5, sp));
        if (to) queue(to, `DELIVERY ${name} ${line.slice(sp + 1)}\n`);
        queue(socket, to ? "SEND-OK\n" : "BAD-DEST-USER\n");
      } else if (line.startsWith("HELLO-FROM ")) {
        name = line.slice(11);
        online.set(name, socket);
        queue(socket, `HELLO ${name}\n`);
      }
    }
  });
  socket.on("close", () => { if (online.get(name) === socket) online.delete(name); });
  socket.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening lab tcp 127.0.0.1:${server.address().port}\nready\n`);
});
process.on("SIGTERM", () => process.exit(0));
