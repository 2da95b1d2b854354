import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashPassword, verifyPassword } from "../../src/store/passwords.js";

describe("account passwords (salted scrypt, docs/cs262.md#accounts)", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse");
    assert.equal(await verifyPassword("correct horse", stored), true);
    assert.equal(await verifyPassword("correct hors", stored), false);
    assert.equal(await verifyPassword("Correct horse", stored), false);
    assert.equal(await verifyPassword("", stored), false);
  });

  it("salts every hash, and stores its parameters with it", async () => {
    const a = await hashPassword("same");
    const b = await hashPassword("same");
    assert.notEqual(a, b);
    assert.match(a, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.doesNotMatch(a, /same/);
  });

  it("refuses, without throwing, a stored value it did not write", async () => {
    for (const bad of ["", "plain", "scrypt$1$2$3", "bcrypt$16384$8$1$c2FsdA==$aGFzaA==", "scrypt$x$8$1$c2FsdA==$aGFzaA==", "scrypt$16384$8$1$c2FsdA==$", "scrypt$3$8$1$c2FsdA==$aGFzaA==", "scrypt$1073741824$8$1$c2FsdA==$aGFzaA=="]) {
      assert.equal(await verifyPassword("pw", bad), false, bad);
    }
  });

  it("hashes off the event loop: timers keep running while scrypt works", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await Promise.all(Array.from({ length: 4 }, () => hashPassword("x")));
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks > 0, "the event loop ran while hashing");
  });
});
