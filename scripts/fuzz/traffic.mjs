// Mutated valid traffic for the fuzz campaign: per dialect, a plausible client session
// as a list of encoded frames (built with the project's own encoders from dist/), and
// mutations that keep it close enough to valid to get past the first frame: bit flips,
// truncation, splicing, length-field corruption, duplicated and dropped frames.
import * as bcs from "../../dist/src/protocols/bcs/codec.js";
import * as cs262 from "../../dist/src/protocols/cs262/codec.js";
import * as gowing from "../../dist/src/protocols/gowing/codec.js";
import * as lab from "../../dist/src/protocols/lab/codec.js";
import * as udp from "../../dist/src/protocols/udp/codec.js";

/** A small fast seeded PRNG (mulberry32), so a campaign is reproducible from its seed. */
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n); // 0 <= int(n) < n
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => items[int(items.length)],
    bytes: (n) => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    },
  };
}

const TEXTS = ["hi", "", " ", "héllo wörld", "a|||b", "x\x00y", "line\nbreak", "\r\n", "@bob hi", "/quit", "x".repeat(300), "ü".repeat(2100)];

function text(r) {
  if (r.chance(0.2)) return r.bytes(r.int(40)).toString("latin1");
  return r.pick(TEXTS);
}

function name(r, own) {
  if (r.chance(0.7)) return own;
  return r.pick([own.toUpperCase(), "server", "bad name", "", "x".repeat(33), "fz-other", "a|||b", "ü"]);
}

/**
 * Where each dialect keeps a frame's length field: [offset, width] (lab has none: its
 * "length" is the newline, which the mutation moves or removes instead).
 */
export const LENGTH_FIELD = { bcs: [1, 2], gowing: [1, 2], cs262: [2, 40], udp: [1, 2], lab: undefined };

const generators = {
  lab(r, own) {
    const frames = [lab.encodeRequest({ kind: "hello", name: name(r, own) })];
    for (let i = r.int(8); i > 0; i--) {
      const k = r.int(5);
      if (k === 0) frames.push(lab.encodeRequest({ kind: "list" }));
      else if (k <= 2) frames.push(Buffer.from(`SEND ${r.chance(0.5) ? own : name(r, own)} ${text(r).replace(/\n/g, " ")}\n`));
      else if (k === 3) frames.push(Buffer.from(`${r.pick(["HELLO-FROM", "LIST", "SEND", "BOGUS", ""])} ${text(r)}\n`));
      else frames.push(Buffer.from(`HELLO-FROM ${name(r, own)}\r\n`));
    }
    return frames;
  },
  gowing(r, own) {
    const frames = [gowing.encodeText(0, name(r, own))];
    for (let i = r.int(8); i > 0; i--) {
      const type = r.chance(0.9) ? r.pick([2, 2, 3, 4, 4, 0, 1]) : r.int(256);
      if (type === 4) frames.push(gowing.encodeText(4, `@${r.chance(0.6) ? own : name(r, own)} ${text(r)}`));
      else if (type === 3) frames.push(gowing.encodeEmpty(3));
      else if (type <= 5) frames.push(gowing.encodeRaw(type, Buffer.from(text(r), "latin1")));
      else frames.push(gowing.encodeRaw(type, r.bytes(r.int(20))));
    }
    return frames;
  },
  bcs(r, own) {
    const frames = [bcs.encodeFrame({ type: 1, username: name(r, own) })];
    for (let i = r.int(8); i > 0; i--) {
      const k = r.int(7);
      if (k <= 1) frames.push(bcs.encodeFrame({ type: 2, message: text(r) }));
      else if (k === 2) frames.push(bcs.encodeStatus(r.chance(0.8) ? 0 : r.int(8), "ok"));
      else if (k === 3) {
        const body = r.bytes(r.chance(0.9) ? r.int(200) : r.int(20_000));
        const filename = r.pick(["fz.txt", "fz.bin", "../up", ".hidden", "a b", "dir/x", ""]);
        frames.push(Buffer.concat([bcs.encodeFrame({ type: 5, filename, size: body.length }), body]));
      } else if (k === 4) frames.push(bcs.encodeFrame({ type: 7, filename: r.pick(["fz.txt", "fz.bin", "missing", "../etc/passwd"]) }));
      else if (k === 5) frames.push(bcs.encodeFrame({ type: 3, from: own, message: text(r) }));
      else frames.push(bcs.encodeFrame({ type: 8, size: 4 }), r.bytes(4));
    }
    return frames;
  },
  cs262(r, own) {
    const frames = [cs262.encodeFrame({ command: r.chance(0.5) ? 1 : 6, name: name(r, own), password: r.chance(0.3) ? text(r) : undefined })];
    for (let i = r.int(8); i > 0; i--) {
      const k = r.int(7);
      if (k <= 2) frames.push(cs262.encodeFrame({ command: 3, sender: r.chance(0.8) ? own : name(r, own), recipient: r.pick([own, `${own}-off`, "fz-nobody", "server"]), message: text(r) }));
      else if (k === 3) frames.push(cs262.encodeFrame({ command: 2, pattern: r.pick([undefined, "*", "fz*", "", "a|b"]) }));
      else if (k === 4) frames.push(cs262.encodeFrame({ command: 4 }));
      else if (k === 5) frames.push(cs262.encodeFrame({ command: r.chance(0.2) ? 5 : 6, name: name(r, own), password: undefined }));
      else frames.push(cs262.encodeFrame({ command: r.pick([7, 8]), error: text(r), names: ["a"] }));
    }
    return frames;
  },
  udp(r, own) {
    const frames = [udp.encodeFrame({ op: 11, name: name(r, own) })];
    for (let i = r.int(10); i > 0; i--) {
      const op = r.pick([20, 20, 22, 22, 40, 42, 12, 0, 1, 21, 23, 41, 43, r.int(256)]);
      if (op === 20) frames.push(udp.encodeFrame({ op, text: text(r) }));
      else if (op === 22) frames.push(udp.encodeFrame({ op, to: r.chance(0.6) ? own : name(r, own), text: text(r) }));
      else if (op === 11) frames.push(udp.encodeFrame({ op, name: name(r, own) }));
      else if ([0, 12, 40, 42].includes(op)) frames.push(udp.encodeFrame({ op }));
      else {
        const data = r.bytes(r.int(30));
        const d = Buffer.alloc(3 + data.length);
        d[0] = op;
        d.writeUInt16BE(data.length, 1);
        data.copy(d, 3);
        frames.push(d);
      }
    }
    return frames;
  },
};

/** A plausible session of `dialect` for a client calling itself `own`: a list of frames. */
export function validSession(dialect, r, own) {
  return generators[dialect](r, own);
}

function corruptLength(dialect, r, frame) {
  const field = LENGTH_FIELD[dialect];
  const f = Buffer.from(frame);
  if (field === undefined) {
    // lab: move, drop or add the newline, or make the line longer than any limit.
    const k = r.int(3);
    if (k === 0) return f.subarray(0, Math.max(0, f.length - 1));
    if (k === 1) return Buffer.concat([f, Buffer.from("\n")]);
    return Buffer.concat([f.subarray(0, f.length - 1), Buffer.alloc(70_000 + r.int(10_000), 0x41), Buffer.from("\n")]);
  }
  const [at, width] = field;
  if (f.length < at + width) return f;
  const k = r.int(5);
  if (width === 40) {
    // cs262's 40-byte big-endian length: a huge value, a small wrong one, or noise.
    if (k === 0) f.fill(0xff, at, at + width);
    else if (k === 1) f[at + r.int(width)] = r.int(256);
    else f.writeUIntBE(r.int(200), at + width - 6, 6);
    return f;
  }
  const old = f.readUInt16BE(at);
  const v = k === 0 ? 0 : k === 1 ? 0xffff : k === 2 ? old + 1 : k === 3 ? Math.max(0, old - 1) : r.int(0x10000);
  f.writeUInt16BE(v & 0xffff, at);
  return f;
}

/**
 * 0-3 mutations of a valid session (a list of frames); for stream dialects the frames
 * are then concatenated (a udp session stays a list: one frame is one datagram).
 */
export function mutate(dialect, r, frames, donor) {
  const out = frames.map((f) => Buffer.from(f));
  const applied = [];
  for (let n = r.int(4); n > 0; n--) {
    const i = r.int(out.length);
    const k = r.int(7);
    if (k === 0) {
      // bit flips
      const f = out[i];
      for (let j = 1 + r.int(3); j > 0 && f.length > 0; j--) f[r.int(f.length)] ^= 1 << r.int(8);
      applied.push("bitflip");
    } else if (k === 1) {
      out[i] = corruptLength(dialect, r, out[i]);
      applied.push("length");
    } else if (k === 2) {
      out[i] = out[i].subarray(0, r.int(out[i].length + 1));
      applied.push("truncate");
    } else if (k === 3) {
      // splice: part of a frame of another session, or random bytes
      const from = donor.length > 0 && r.chance(0.7) ? r.pick(donor) : r.bytes(r.int(64));
      const cut = r.int(from.length + 1);
      out.splice(i, 0, r.chance(0.5) ? from.subarray(0, cut) : from.subarray(cut));
      applied.push("splice");
    } else if (k === 4) {
      out.splice(i, 0, out[i]);
      applied.push("duplicate");
    } else if (k === 5) {
      if (out.length > 1) out.splice(i, 1);
      applied.push("drop");
    } else {
      const f = out[i];
      if (f.length > 0) f[r.int(f.length)] = r.int(256);
      applied.push("byte");
    }
  }
  return { frames: out, applied };
}

/** Cut `bytes` into random chunks: mostly small, sometimes single bytes, sometimes whole. */
export function chunk(r, bytes) {
  if (r.chance(0.2)) return [bytes];
  const chunks = [];
  let at = 0;
  const single = r.chance(0.1);
  while (at < bytes.length) {
    const n = single ? 1 : 1 + r.int(r.chance(0.5) ? 16 : 512);
    chunks.push(bytes.subarray(at, at + n));
    at += n;
  }
  return chunks;
}
