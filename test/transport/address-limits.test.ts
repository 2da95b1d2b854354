/** Limits per client address: the address key, connections at once (refused logins: test/core/login-attempts.test.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LoginAttempts } from "../../src/core/login-attempts.js";
import { addressKey, ConnectionsPerAddress } from "../../src/transport/address-limits.js";

describe("address key", () => {
  it("is the IPv4 address, also when mapped into IPv6", () => {
    assert.equal(addressKey("192.0.2.7"), "192.0.2.7");
    assert.equal(addressKey("::ffff:192.0.2.7"), "192.0.2.7");
    assert.equal(addressKey("::FFFF:192.0.2.7"), "192.0.2.7");
  });

  it("is the /64 of an IPv6 address, however it is written", () => {
    assert.equal(addressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
    assert.equal(addressKey("2001:0db8:0001:0002::1"), "2001:db8:1:2::/64");
    assert.equal(addressKey("2001:db8::1"), "2001:db8:0:0::/64");
    assert.equal(addressKey("2001:db8::"), "2001:db8:0:0::/64");
    assert.equal(addressKey("::1"), "0:0:0:0::/64");
    assert.equal(addressKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  });

  it("leaves anything else as it is", () => {
    assert.equal(addressKey("?"), "?");
  });
});

describe("connections per address", () => {
  it("admits up to the limit per address, counts refusals in a row, and frees a place on close", () => {
    const c = new ConnectionsPerAddress(2);
    assert.equal(c.admit("192.0.2.1"), 0);
    assert.equal(c.admit("::ffff:192.0.2.1"), 0, "the same address");
    assert.equal(c.admit("192.0.2.1"), 1);
    assert.equal(c.admit("192.0.2.1"), 2);
    assert.equal(c.admit("192.0.2.2"), 0, "another address");
    c.close("192.0.2.1");
    assert.equal(c.admit("192.0.2.1"), 0);
    assert.equal(c.admit("192.0.2.1"), 1, "a new run of refusals");
  });

  it("forgets an address with nothing open, and admits everything when the limit is 0", () => {
    const c = new ConnectionsPerAddress(2);
    c.admit("a");
    c.close("a");
    assert.equal(c.addresses, 0);
    const off = new ConnectionsPerAddress(0);
    for (let i = 0; i < 1000; i++) assert.equal(off.admit("a"), 0);
    for (let i = 0; i < 1000; i++) off.close("a");
    assert.equal(off.addresses, 0);
  });

  it("counts while off, so a limit set later (SIGHUP) sees what is already open", () => {
    const c = new ConnectionsPerAddress(0);
    for (let i = 0; i < 3; i++) assert.equal(c.admit("192.0.2.1"), 0);
    c.max = 3;
    assert.equal(c.admit("192.0.2.1"), 1, "three already open");
    c.close("192.0.2.1");
    assert.equal(c.admit("192.0.2.1"), 0);
    c.max = 0;
    assert.equal(c.admit("192.0.2.1"), 0, "off again");
  });
});

describe("login attempts keyed by the transport's address key", () => {
  it("counts every address of one IPv6 /64, and a mapped IPv4 address as itself, as one", () => {
    const l = new LoginAttempts(2, 60_000, addressKey);
    l.begin("2001:db8:1:2::1", undefined, 0);
    l.end("2001:db8:1:2::1", true, 0);
    l.begin("2001:db8:1:2:ffff::9", undefined, 0);
    l.end("2001:db8:1:2:ffff::9", true, 0);
    assert.ok(l.begin("2001:db8:1:2::77", undefined, 0) > 0, "the /64 has used its two");
    assert.equal(l.begin("2001:db8:1:3::1", undefined, 0), 0, "another /64");
    l.begin("192.0.2.1", undefined, 0);
    l.end("192.0.2.1", true, 0);
    l.begin("::ffff:192.0.2.1", undefined, 0);
    l.end("::ffff:192.0.2.1", true, 0);
    assert.ok(l.begin("192.0.2.1", undefined, 0) > 0);
  });
});
