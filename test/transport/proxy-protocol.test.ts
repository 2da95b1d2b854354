/**
 * The PROXY protocol header reader (src/transport/proxy-protocol.ts), bytes in and
 * answers out: fixtures of every accepted form, fed whole, byte by byte and cut at every
 * offset; random valid headers under random chunking, with the dialect's bytes after them
 * preserved exactly; random bytes never throw; and a table of malformed headers with
 * their codes.
 */
import assert from "node:assert/strict";
import { isIPv6 } from "node:net";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatIPv6, ProxyHeaderReader, V1_MAX_BYTES, type ProxyHeader, type ProxyRead } from "../../src/transport/proxy-protocol.js";
import { splitAt } from "../helpers/chunks.js";
import { ipBytes, proxyV1, proxyV2, proxyV2Local, proxyV2Raw, tlvBytes, V2_SIGNATURE, type Tlv } from "../helpers/proxy-header.js";

/** What reading a stream gives: the header (or error), and every byte the dialect gets after it. */
interface Outcome {
  readonly result: ProxyRead["kind"];
  readonly header?: ProxyHeader;
  readonly code?: string;
  readonly after: Buffer;
}

/** Feed `chunks` until the reader answers; the chunks after that belong to the dialect. */
function read(chunks: readonly Buffer[]): Outcome {
  const reader = new ProxyHeaderReader();
  for (let k = 0; k < chunks.length; k++) {
    const r = reader.push(chunks[k]!);
    if (r.kind === "header") return { result: "header", header: r.header, after: Buffer.concat([r.rest, ...chunks.slice(k + 1)]) };
    if (r.kind === "error") return { result: "error", code: r.error.code, after: Buffer.alloc(0) };
  }
  return { result: "need", after: Buffer.alloc(0) };
}

const byteByByte = (b: Buffer): Buffer[] => [...b].map((x) => Buffer.from([x]));
const DIALECT_BYTES = Buffer.from("HELLO-FROM alice\n");

interface Fixture {
  readonly name: string;
  readonly bytes: Buffer;
  readonly header: ProxyHeader;
}

const FIXTURES: readonly Fixture[] = [
  {
    name: "v1 TCP4",
    bytes: Buffer.from("PROXY TCP4 203.0.113.7 192.0.2.1 51234 5378\r\n"),
    header: { version: 1, source: { address: "203.0.113.7", port: 51234 } },
  },
  {
    name: "v1 TCP6",
    bytes: Buffer.from("PROXY TCP6 2001:db8::7 2001:db8::1 65535 9001\r\n"),
    header: { version: 1, source: { address: "2001:db8::7", port: 65535 } },
  },
  {
    name: "v1 TCP6 with an IPv4-mapped address and port 0",
    bytes: Buffer.from("PROXY TCP6 ::ffff:198.51.100.4 ::1 0 9001\r\n"),
    header: { version: 1, source: { address: "::ffff:198.51.100.4", port: 0 } },
  },
  { name: "v1 UNKNOWN", bytes: Buffer.from("PROXY UNKNOWN\r\n"), header: { version: 1, source: undefined } },
  {
    name: "v1 UNKNOWN with whatever follows it on the line (ignored, as the specification says)",
    bytes: Buffer.from("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n"),
    header: { version: 1, source: undefined },
  },
  {
    name: "v1 at the longest, 107 bytes",
    bytes: Buffer.from(`PROXY TCP6 ${"ffff:".repeat(7)}ffff ${"ffff:".repeat(7)}ffff 65535 65535\r\n`),
    header: { version: 1, source: { address: `${"ffff:".repeat(7)}ffff`, port: 65535 } },
  },
  {
    name: "v2 PROXY TCP4",
    bytes: proxyV2({ source: "203.0.113.7", sourcePort: 51234 }),
    header: { version: 2, source: { address: "203.0.113.7", port: 51234 } },
  },
  {
    name: "v2 PROXY TCP6",
    bytes: proxyV2({ source: "2001:db8:0:0:1::7", sourcePort: 443 }),
    header: { version: 2, source: { address: "2001:db8::1:0:0:7", port: 443 } },
  },
  {
    name: "v2 PROXY TCP6 with an IPv4-mapped address",
    bytes: proxyV2({ source: "::ffff:198.51.100.4", sourcePort: 1 }),
    header: { version: 2, source: { address: "::ffff:198.51.100.4", port: 1 } },
  },
  {
    name: "v2 PROXY TCP4 with TLVs (ALPN, authority, an empty NOOP, a long one)",
    bytes: proxyV2({ source: "10.1.2.3", sourcePort: 4000 }, [
      { type: 0x01, value: Buffer.from("h2") },
      { type: 0x02, value: Buffer.from("chat.example.org") },
      { type: 0x04, value: Buffer.alloc(0) },
      { type: 0xe0, value: Buffer.alloc(3000, 0xaa) },
    ]),
    header: { version: 2, source: { address: "10.1.2.3", port: 4000 } },
  },
  { name: "v2 LOCAL, no block", bytes: proxyV2Local(), header: { version: 2, source: undefined } },
  { name: "v2 LOCAL with a block (skipped, family ignored)", bytes: proxyV2Raw(0x20, 0xff, Buffer.alloc(40, 7)), header: { version: 2, source: undefined } },
  { name: "v2 PROXY UNIX stream", bytes: proxyV2Raw(0x21, 0x31, Buffer.alloc(216 + 5, 0x2f)), header: { version: 2, source: undefined } },
  { name: "v2 PROXY UNSPEC", bytes: proxyV2Raw(0x21, 0x00, Buffer.alloc(0)), header: { version: 2, source: undefined } },
];

describe("PROXY protocol header: the accepted forms", () => {
  for (const f of FIXTURES) {
    it(`reads ${f.name} fed whole, byte by byte and cut at every offset, keeping the bytes after it`, () => {
      const stream = Buffer.concat([f.bytes, DIALECT_BYTES]);
      const ways: Buffer[][] = [[stream], byteByByte(stream)];
      for (let cut = 1; cut < stream.length; cut++) ways.push(splitAt(stream, [cut]));
      for (const chunks of ways) {
        const o = read(chunks);
        assert.equal(o.result, "header", o.code);
        assert.deepEqual(o.header, f.header);
        assert.deepEqual(o.after, DIALECT_BYTES);
      }
    });
  }

  it("answers need, and nothing more, until the last byte of a header arrives", () => {
    for (const f of FIXTURES) {
      const reader = new ProxyHeaderReader();
      for (let k = 0; k < f.bytes.length - 1; k++) assert.equal(reader.push(f.bytes.subarray(k, k + 1)).kind, "need", `${f.name} at byte ${k}`);
      const last = reader.push(f.bytes.subarray(f.bytes.length - 1));
      assert.equal(last.kind, "header");
      assert.equal(last.kind === "header" && last.rest.length, 0);
    }
  });

  it("reads a v2 header whose TLVs fill the whole 65,535-byte block, fed a byte at a time", () => {
    const value = Buffer.alloc(0xffff - 12 - 3, 0x55);
    const header = proxyV2({ source: "192.0.2.9", sourcePort: 7 }, [{ type: 0xee, value }]);
    assert.equal(header.readUInt16BE(14), 0xffff);
    const o = read(byteByByte(Buffer.concat([header, Buffer.from([1, 2, 3])])));
    assert.deepEqual(o.header, { version: 2, source: { address: "192.0.2.9", port: 7 } });
    assert.deepEqual(o.after, Buffer.from([1, 2, 3]));
  });

  it("refuses to be fed again once it has answered", () => {
    const reader = new ProxyHeaderReader();
    assert.equal(reader.push(proxyV1({ source: "192.0.2.1", sourcePort: 1 })).kind, "header");
    const again = reader.push(Buffer.from("x"));
    assert.equal(again.kind === "error" && again.error.code, "PROXY_FINISHED");
  });
});

// ---- malformed input ------------------------------------------------------------------

const V2_INET = (length: number, versionCommand = 0x21, family = 0x11): Buffer => proxyV2Raw(versionCommand, family, Buffer.alloc(length), length);

const MALFORMED: readonly { readonly name: string; readonly bytes: Buffer; readonly code: string }[] = [
  { name: "no header: a lab login", bytes: Buffer.from("HELLO-FROM alice\n"), code: "PROXY_MISSING" },
  { name: "no header: a bcs register frame", bytes: Buffer.from([0x01, 0x00, 0x05, 0x61]), code: "PROXY_MISSING" },
  { name: "v1 signature in lower case", bytes: Buffer.from("proxy TCP4 1.2.3.4 1.2.3.4 1 2\r\n"), code: "PROXY_MISSING" },
  { name: "v1 without the space after PROXY", bytes: Buffer.from("PROXYTCP4 1.2.3.4 1.2.3.4 1 2\r\n"), code: "PROXY_MISSING" },
  { name: "v2 signature with one byte wrong", bytes: Buffer.concat([V2_SIGNATURE.subarray(0, 7), Buffer.from("quit\n")]), code: "PROXY_MISSING" },
  { name: "v1 with no CRLF within 107 bytes", bytes: Buffer.from(`PROXY TCP4 ${"1".repeat(120)}`), code: "PROXY_V1_TOO_LONG" },
  { name: "v1 ending in a bare LF", bytes: Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"), code: "PROXY_V1_MALFORMED" },
  { name: "v1 with an unknown protocol", bytes: Buffer.from("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"), code: "PROXY_V1_MALFORMED" },
  { name: "v1 with a field missing", bytes: Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), code: "PROXY_V1_MALFORMED" },
  { name: "v1 with two spaces", bytes: Buffer.from("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"), code: "PROXY_V1_MALFORMED" },
  { name: "v1 with an extra field", bytes: Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n"), code: "PROXY_V1_MALFORMED" },
  { name: "v1 TCP4 with an IPv6 address", bytes: Buffer.from("PROXY TCP4 ::1 5.6.7.8 1 2\r\n"), code: "PROXY_V1_BAD_ADDRESS" },
  { name: "v1 TCP6 with an IPv4 address", bytes: Buffer.from("PROXY TCP6 ::1 5.6.7.8 1 2\r\n"), code: "PROXY_V1_BAD_ADDRESS" },
  { name: "v1 with an octet over 255", bytes: Buffer.from("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"), code: "PROXY_V1_BAD_ADDRESS" },
  { name: "v1 with a zero-padded octet", bytes: Buffer.from("PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n"), code: "PROXY_V1_BAD_ADDRESS" },
  { name: "v1 with a host name", bytes: Buffer.from("PROXY TCP4 localhost 5.6.7.8 1 2\r\n"), code: "PROXY_V1_BAD_ADDRESS" },
  { name: "v1 with an IPv6 zone", bytes: Buffer.from("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"), code: "PROXY_V1_BAD_ADDRESS" },
  { name: "v1 with a port over 65535", bytes: Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"), code: "PROXY_V1_BAD_PORT" },
  { name: "v1 with a zero-padded port", bytes: Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n"), code: "PROXY_V1_BAD_PORT" },
  { name: "v1 with a negative port", bytes: Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n"), code: "PROXY_V1_BAD_PORT" },
  { name: "v1 with a bad destination port", bytes: Buffer.from("PROXY TCP4 1.2.3.4 5.6.7.8 1 x\r\n"), code: "PROXY_V1_BAD_PORT" },
  { name: "v2 with version 1", bytes: V2_INET(12, 0x11), code: "PROXY_V2_BAD_VERSION" },
  { name: "v2 with version 3", bytes: V2_INET(12, 0x31), code: "PROXY_V2_BAD_VERSION" },
  { name: "v2 with command 2", bytes: V2_INET(12, 0x22), code: "PROXY_V2_BAD_COMMAND" },
  { name: "v2 with command 15", bytes: V2_INET(12, 0x2f), code: "PROXY_V2_BAD_COMMAND" },
  { name: "v2 with address family 4", bytes: V2_INET(12, 0x21, 0x41), code: "PROXY_V2_BAD_FAMILY" },
  { name: "v2 with transport 3", bytes: V2_INET(12, 0x21, 0x13), code: "PROXY_V2_BAD_FAMILY" },
  { name: "v2 PROXY over UDP4 on a TCP listener", bytes: V2_INET(12, 0x21, 0x12), code: "PROXY_V2_BAD_FAMILY" },
  { name: "v2 PROXY TCP4 shorter than its addresses", bytes: V2_INET(11), code: "PROXY_V2_SHORT" },
  { name: "v2 PROXY TCP6 shorter than its addresses", bytes: V2_INET(35, 0x21, 0x21), code: "PROXY_V2_SHORT" },
  { name: "v2 PROXY UNIX shorter than its addresses", bytes: V2_INET(215, 0x21, 0x31), code: "PROXY_V2_SHORT" },
  { name: "v2 with a TLV running past the end", bytes: proxyV2Raw(0x21, 0x11, Buffer.concat([Buffer.alloc(12), Buffer.from([0x01, 0x00, 0x05, 0x61])])), code: "PROXY_V2_BAD_TLV" },
  { name: "v2 ending two bytes into a TLV head", bytes: proxyV2Raw(0x21, 0x11, Buffer.concat([Buffer.alloc(12), Buffer.from([0x01, 0x00])])), code: "PROXY_V2_BAD_TLV" },
  {
    name: "v2 ending one byte after a whole TLV",
    bytes: proxyV2Raw(0x21, 0x11, Buffer.concat([Buffer.alloc(12), tlvBytes({ type: 1, value: Buffer.from("h2") }), Buffer.from([0x04])])),
    code: "PROXY_V2_BAD_TLV",
  },
];

describe("PROXY protocol header: malformed input", () => {
  for (const m of MALFORMED) {
    it(`answers ${m.code} to ${m.name}, however it is cut, without reading past the header`, () => {
      const stream = Buffer.concat([m.bytes, DIALECT_BYTES]);
      // The header alone is enough to tell: the error never waits for the dialect's bytes.
      for (const chunks of [[stream], byteByByte(stream), [m.bytes], byteByByte(m.bytes)]) {
        const o = read(chunks);
        assert.equal(o.result, "error");
        assert.equal(o.code, m.code);
      }
    });
  }

  it("rejects a connection that does not start with a header at its first byte", () => {
    const r = new ProxyHeaderReader().push(Buffer.from("H"));
    assert.equal(r.kind === "error" && r.error.code, "PROXY_MISSING");
  });

  it("rejects a v2 header at its version byte, without waiting for the block it declares", () => {
    const reader = new ProxyHeaderReader();
    assert.equal(reader.push(V2_SIGNATURE).kind, "need");
    const r = reader.push(Buffer.from([0x12]));
    assert.equal(r.kind === "error" && r.error.code, "PROXY_V2_BAD_VERSION");
  });

  it("gives up on a v1 line at byte 107, not later", () => {
    const reader = new ProxyHeaderReader();
    const line = Buffer.from(`PROXY UNKNOWN ${"x".repeat(200)}`);
    for (let k = 0; k < V1_MAX_BYTES - 1; k++) assert.equal(reader.push(line.subarray(k, k + 1)).kind, "need");
    const r = reader.push(line.subarray(V1_MAX_BYTES - 1, V1_MAX_BYTES));
    assert.equal(r.kind === "error" && r.error.code, "PROXY_V1_TOO_LONG");
  });
});

// ---- properties -----------------------------------------------------------------------

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6().filter((a) => !a.includes("%"));
const port = fc.integer({ min: 0, max: 0xffff });
const tlv: fc.Arbitrary<Tlv> = fc.record({ type: fc.integer({ min: 0, max: 255 }), value: fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)) });

/** A valid header with the source it must give (undefined: the socket's own). */
const validHeader: fc.Arbitrary<{ bytes: Buffer; header: ProxyHeader }> = fc.oneof(
  fc.tuple(fc.oneof(ipv4, ipv6), port, port).map(([source, sourcePort, destinationPort]) => ({
    bytes: proxyV1({ source, sourcePort, destination: source, destinationPort }),
    header: { version: 1 as const, source: { address: source, port: sourcePort } },
  }))
    // fast-check also writes IPv6 with zero-padded groups and an embedded IPv4 (up to 45
    // characters): valid text, but the spec caps a v1 line at 107 bytes (39-character
    // addresses), and a longer one is refused (the "v1 too long" fixtures).
    .filter(({ bytes }) => bytes.length <= V1_MAX_BYTES),
  fc.tuple(fc.oneof(ipv4, ipv6), port, fc.array(tlv, { maxLength: 4 })).map(([source, sourcePort, tlvs]) => ({
    bytes: proxyV2({ source, sourcePort }, tlvs),
    // v2 carries bytes: the text is the canonical form of the same address.
    header: { version: 2 as const, source: { address: source.includes(":") ? formatIPv6(ipBytes(source), 0) : source, port: sourcePort } },
  })),
  fc.uint8Array({ maxLength: 600 }).map((block) => ({ bytes: proxyV2Local(Buffer.from(block)), header: { version: 2 as const, source: undefined } })),
);

const cuts = fc.array(fc.nat({ max: 4000 }), { maxLength: 12 });

describe("PROXY protocol header: properties", () => {
  it("reads any valid header under any chunking and hands every later byte on unchanged", () => {
    fc.assert(
      fc.property(validHeader, fc.uint8Array({ maxLength: 200 }), cuts, (h, trailing, at) => {
        const o = read(splitAt(Buffer.concat([h.bytes, trailing]), at));
        assert.equal(o.result, "header", o.code);
        assert.deepEqual(o.header, h.header);
        assert.deepEqual(o.after, Buffer.from(trailing));
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on random bytes, alone or after a signature, and chunking never changes the answer", () => {
    const starts = fc.constantFrom(Buffer.alloc(0), Buffer.from("PROXY "), Buffer.from("PROXY TCP4 "), V2_SIGNATURE, Buffer.concat([V2_SIGNATURE, Buffer.from([0x21])]));
    fc.assert(
      fc.property(starts, fc.uint8Array({ maxLength: 300 }), cuts, (start, random, at) => {
        const stream = Buffer.concat([start, random]);
        const whole = read([stream]);
        const chunked = read(splitAt(stream, at));
        assert.deepEqual(chunked, whole);
      }),
      { numRuns: 1000 },
    );
  });

  it("writes IPv6 addresses as RFC 5952 text, as the WHATWG URL serializer does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (u) => {
        const b = Buffer.from(u);
        const text = formatIPv6(b, 0);
        assert.ok(isIPv6(text), text);
        assert.deepEqual(ipBytes(text), b);
        if (!text.startsWith("::ffff:") || text.split(":").length > 4) assert.equal(`[${text}]`, new URL(`http://[${text}]/`).hostname);
      }),
      { numRuns: 2000 },
    );
    assert.equal(formatIPv6(ipBytes("1:0:0:1:0:0:0:1"), 0), "1:0:0:1::1");
    assert.equal(formatIPv6(ipBytes("1:0:1:0:1:0:1:0"), 0), "1:0:1:0:1:0:1:0");
    assert.equal(formatIPv6(Buffer.alloc(16), 0), "::");
  });
});
