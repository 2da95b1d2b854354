/**
 * udp codec properties (STYLE.md habit 9, fuzzing): valid frames survive encode ->
 * decode unchanged; arbitrary bytes, and arbitrary data under a correct header, never
 * make decode throw; lists and long messages split into datagrams within the limit that
 * reassemble exactly.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { decodeDatagram, encodeFrame, encodeMessage, encodeUserList } from "../../../src/protocols/udp/codec.js";
import { Op, type UdpFrame } from "../../../src/protocols/udp/frames.js";

/** Any Unicode text (no lone surrogates, which UTF-8 cannot carry). */
const text = fc.string({ unit: "binary", maxLength: 60 });
/** A name as a field before a NUL: anything but NUL, not empty. */
const field = text.filter((s) => s.length > 0 && !s.includes("\0"));
const chatName = fc.stringMatching(/^[A-Za-z0-9_.-]{1,32}$/);

const frame: fc.Arbitrary<UdpFrame> = fc.oneof(
  fc.constant<UdpFrame>({ op: Op.Ok }),
  text.map((message): UdpFrame => ({ op: Op.Error, message })),
  text.map((name): UdpFrame => ({ op: Op.Register, name })),
  fc.constant<UdpFrame>({ op: Op.Logout }),
  text.map((t): UdpFrame => ({ op: Op.Public, text: t })),
  fc.tuple(field, text).map(([from, t]): UdpFrame => ({ op: Op.PublicMessage, from, text: t })),
  fc.tuple(field, text).map(([to, t]): UdpFrame => ({ op: Op.Private, to, text: t })),
  fc.tuple(field, text).map(([from, t]): UdpFrame => ({ op: Op.PrivateMessage, from, text: t })),
  fc.constant<UdpFrame>({ op: Op.Info }),
  text.map((info): UdpFrame => ({ op: Op.InfoReply, info })),
  fc.constant<UdpFrame>({ op: Op.List }),
  fc
    .tuple(fc.array(field, { maxLength: 10 }), fc.boolean())
    .map(([names, more]): UdpFrame => ({ op: Op.UserList, names, more: names.length > 0 && more })),
);

describe("udp codec properties", () => {
  it("decodes every encoded frame back to itself", () => {
    fc.assert(
      fc.property(frame, (f) => {
        const d = decodeDatagram(encodeFrame(f));
        assert.ok(d.ok);
        assert.deepEqual(d.frame, f);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on arbitrary bytes, and reports the first byte of a refused datagram", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const d = decodeDatagram(Buffer.from(bytes));
        if (!d.ok) assert.equal(d.typeByte, bytes.length > 0 ? bytes[0] : undefined);
      }),
      { numRuns: 5000 },
    );
  });

  it("never throws on arbitrary data under a correct header, for every opcode byte", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 80 }), (op, data) => {
        const bytes = Buffer.alloc(3 + data.length);
        bytes[0] = op;
        bytes.writeUInt16BE(data.length, 1);
        bytes.set(data, 3);
        const d = decodeDatagram(bytes);
        if (!d.ok) assert.notEqual(d.error.code, "CODEC_LENGTH_MISMATCH");
      }),
      { numRuns: 5000 },
    );
  });

  it("calls any datagram whose size disagrees with its length malformed", () => {
    fc.assert(
      fc.property(frame, fc.integer({ min: -3, max: 3 }).filter((n) => n !== 0), (f, delta) => {
        const bytes = encodeFrame(f);
        const wrong = bytes.readUInt16BE(1) + delta;
        fc.pre(wrong >= 0 && wrong <= 0xffff);
        bytes.writeUInt16BE(wrong, 1);
        const d = decodeDatagram(bytes);
        assert.ok(!d.ok);
        assert.equal(d.error.code, "CODEC_LENGTH_MISMATCH");
      }),
    );
  });

  it("splits any list into datagrams within the limit that reassemble to the list", () => {
    fc.assert(
      fc.property(fc.array(chatName, { maxLength: 200 }), fc.integer({ min: 40, max: 1500 }), (names, max) => {
        const datagrams = encodeUserList(names, max);
        const seen: string[] = [];
        datagrams.forEach((bytes, i) => {
          assert.ok(bytes.length <= max);
          const d = decodeDatagram(bytes);
          assert.ok(d.ok && d.frame.op === Op.UserList);
          assert.equal(d.frame.more, i < datagrams.length - 1);
          seen.push(...d.frame.names);
        });
        assert.deepEqual(seen, names);
      }),
      { numRuns: 500 },
    );
  });

  it("splits any message into datagrams within the limit that reassemble to the text", () => {
    fc.assert(
      fc.property(chatName, fc.string({ unit: "binary", minLength: 1, maxLength: 400 }), fc.integer({ min: 45, max: 300 }), (from, t, max) => {
        let joined = "";
        for (const bytes of encodeMessage(Op.PublicMessage, from, t, max)) {
          assert.ok(bytes.length <= max);
          const d = decodeDatagram(bytes);
          assert.ok(d.ok && d.frame.op === Op.PublicMessage);
          assert.equal(d.frame.from, from);
          joined += d.frame.text;
        }
        assert.equal(joined, t);
      }),
      { numRuns: 500 },
    );
  });
});
