// The fuzz campaign's WebSocket target (`ws-bcs`): a raw TCP client of the web listener
// that sends an HTTP upgrade (mostly valid; sometimes malformed, to another path or from
// a foreign origin) and then, without waiting for the answer, WebSocket frames built by
// hand: mostly valid masked binary messages carrying mutated bcs traffic (message
// boundaries anywhere, random bytes inside), and often broken at the WebSocket level
// (reserved opcodes and bits, unmasked frames, lying or huge lengths, oversized and
// fragmented control frames, stray continuations, text, bad close frames, garbage).
/** A Sec-WebSocket-Key (RFC 6455's example: any 16 bytes in base64 do). */
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** The upgrade request: valid with `/ws/bcs`, or one of the ways to get it wrong. */
function upgradeRequest(r, port) {
  const lines = [`GET /ws/bcs HTTP/1.1`, `Host: 127.0.0.1:${port}`, "Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Key: ${KEY}`, "Sec-WebSocket-Version: 13"];
  const broken = [];
  if (r.chance(0.12)) {
    const k = r.int(9);
    broken.push(["path", "key", "version", "upgrade", "method", "origin", "protocol", "extensions", "garbage"][k]);
    if (k === 0) lines[0] = `GET ${r.pick(["/ws/udp", "/ws/", "/ws/bcs/x", "/", "/ws/unknown", "/ws/%00", "*"])} HTTP/1.1`;
    else if (k === 1) lines[4] = `Sec-WebSocket-Key: ${r.pick(["", "short", "x".repeat(200), "!!!!!!!!!!!!!!!!!!!!!!=="])}`;
    else if (k === 2) lines[5] = `Sec-WebSocket-Version: ${r.pick(["", "12", "99", "13, 8"])}`;
    else if (k === 3) lines[2] = `Upgrade: ${r.pick(["", "h2c", "websocket2"])}`;
    else if (k === 4) lines[0] = `${r.pick(["POST", "PUT", "HEAD", "BREW"])} /ws/bcs HTTP/1.1`;
    else if (k === 5) lines.push(`Origin: ${r.pick(["http://evil.example", "null", "not a url", `http://localhost:${port}`])}`);
    else if (k === 6) lines.push(`Sec-WebSocket-Protocol: ${r.pick(["bcs", "a, b", ",,,", "\u00ff"])}`);
    else if (k === 7) lines.push(`Sec-WebSocket-Extensions: ${r.pick(["permessage-deflate", "permessage-deflate; client_max_window_bits=99", "x; y=\"", ";;;"])}`);
    else lines.push(r.bytes(1 + r.int(60)).toString("latin1").replace(/[\r\n]/g, " "));
  } else if (r.chance(0.2)) {
    lines.push(`Origin: http://127.0.0.1:${port}`); // the page's own origin: accepted
  }
  return { bytes: Buffer.from(lines.join("\r\n") + "\r\n\r\n", "latin1"), broken };
}

/**
 * One WebSocket frame from a client. `lie` makes the length field say something else than
 * the payload's length; `mask: false` sends it unmasked (which a server must refuse).
 */
function frame(r, { fin = true, rsv = 0, opcode = 2, mask = true, payload = Buffer.alloc(0), lie = undefined }) {
  const len = lie ?? payload.length;
  let header;
  if (len < 126) header = Buffer.from([0, len]);
  else if (len < 0x10000) {
    header = Buffer.alloc(4);
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  header[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f);
  if (!mask) return Buffer.concat([header, payload]);
  header[1] |= 0x80;
  const key = r.bytes(4);
  const body = Buffer.allocUnsafe(payload.length);
  for (let i = 0; i < payload.length; i++) body[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([header, key, body]);
}

/** `bytes` as valid binary messages cut anywhere (a frame of bcs may span many), sometimes with random bytes inside. */
function binaryMessages(r, bytes) {
  const out = [];
  let at = 0;
  while (at < bytes.length) {
    const n = 1 + r.int(r.chance(0.5) ? 16 : 700);
    let payload = bytes.subarray(at, at + n);
    at += n;
    if (r.chance(0.05)) payload = Buffer.concat([payload, r.bytes(1 + r.int(32))]);
    if (r.chance(0.1)) {
      // the same bytes as a fragmented message: a first frame, continuations, maybe a ping between
      const cut = r.int(payload.length + 1);
      out.push(frame(r, { fin: false, opcode: 2, payload: payload.subarray(0, cut) }));
      if (r.chance(0.5)) out.push(frame(r, { opcode: 9, payload: r.bytes(r.int(20)) }));
      out.push(frame(r, { fin: true, opcode: 0, payload: payload.subarray(cut) }));
    } else out.push(frame(r, { payload }));
  }
  return out;
}

/** A frame broken at the WebSocket level (each one a server must close the connection for, or survive). */
function brokenFrame(r) {
  const payload = r.bytes(r.int(40));
  const k = r.int(12);
  switch (k) {
    case 0:
      return { name: "opcode", bytes: frame(r, { opcode: r.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), payload }) };
    case 1:
      return { name: "rsv", bytes: frame(r, { rsv: 1 + r.int(7), payload }) };
    case 2:
      return { name: "unmasked", bytes: frame(r, { mask: false, payload }) };
    case 3:
      return { name: "length-lie", bytes: frame(r, { payload, lie: payload.length + 1 + r.int(100) }) };
    case 4:
      return { name: "huge", bytes: frame(r, { payload, lie: r.pick([65537, 2 ** 31, 2 ** 53 - 1]) }) };
    case 5:
      return { name: "oversized", bytes: frame(r, { payload: r.bytes(64 * 1024 + 1 + r.int(1000)) }) };
    case 6:
      return { name: "big-control", bytes: frame(r, { opcode: r.pick([8, 9, 10]), payload: r.bytes(126 + r.int(200)) }) };
    case 7:
      return { name: "fragmented-control", bytes: frame(r, { fin: false, opcode: r.pick([8, 9, 10]), payload }) };
    case 8:
      return { name: "stray-continuation", bytes: frame(r, { opcode: 0, payload }) };
    case 9:
      return { name: "text", bytes: frame(r, { opcode: 1, payload: r.chance(0.5) ? Buffer.from("HELLO-FROM x\n") : payload }) };
    case 10: {
      // a close frame: a bad code, a one-byte body, or a reason that is not UTF-8
      const body = r.pick([Buffer.from([0x03]), Buffer.from([0x03, 0xe8, 0xff, 0xfe]), Buffer.from([0x00, 0x00]), Buffer.from([0x0b, 0xb8]), Buffer.from([0x03, 0xe8])]);
      return { name: "close", bytes: frame(r, { opcode: 8, payload: body }) };
    }
    default:
      return { name: "garbage", bytes: r.bytes(1 + r.int(100)) };
  }
}

/**
 * The bytes of one `ws-bcs` session: the upgrade, then frames carrying `bcsBytes`, with a
 * broken frame put in somewhere (or not), and a close frame at the end sometimes.
 */
export function websocketSession(r, port, bcsBytes) {
  const upgrade = upgradeRequest(r, port);
  const frames = binaryMessages(r, bcsBytes);
  const applied = upgrade.broken.map((b) => `upgrade-${b}`);
  for (let n = r.chance(0.6) ? 1 + r.int(2) : 0; n > 0; n--) {
    const b = brokenFrame(r);
    frames.splice(r.int(frames.length + 1), 0, b.bytes);
    applied.push(b.name);
  }
  if (r.chance(0.3)) frames.push(frame(r, { opcode: 8, payload: Buffer.from([0x03, 0xe8]) }));
  if (r.chance(0.2)) frames.push(frame(r, { opcode: 9, payload: r.bytes(r.int(10)) }));
  return { upgrade: upgrade.bytes, frames: Buffer.concat(frames), applied };
}
