/** The WebSocket endpoint's origin check (src/transport/websocket-origin.ts, docs/web.md "Origins"). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SERVE_SETTINGS } from "../../src/app/settings.js";
import { normalOrigin, originAllowed } from "../../src/transport/websocket-origin.js";

describe("normalOrigin: an allow-list entry", () => {
  it("keeps scheme://host[:port], lower case, without the scheme's default port", () => {
    assert.equal(normalOrigin("https://Chat.Example.org"), "https://chat.example.org");
    assert.equal(normalOrigin("https://chat.example.org:443"), "https://chat.example.org");
    assert.equal(normalOrigin("http://chat.example.org:80/"), "http://chat.example.org");
    assert.equal(normalOrigin("http://chat.example.org:8080"), "http://chat.example.org:8080");
    assert.equal(normalOrigin("http://[::1]:8080"), "http://[::1]:8080");
  });

  it("is no origin with a path, a query, user info, another scheme, or none at all", () => {
    for (const text of ["https://chat.example.org/chat", "https://chat.example.org/?x", "https://a@chat.example.org", "ftp://chat.example.org", "chat.example.org", "null", "*", ""]) {
      assert.equal(normalOrigin(text), undefined, text);
    }
  });

  it("is what --web-origins takes: a comma-separated list, normalized, a bad one refused", () => {
    const kind = SERVE_SETTINGS.settings["web-origins"].kind;
    assert.deepEqual(kind.schema.parse("https://A.example, http://b.example:8080,https://a.example:443"), ["https://a.example", "http://b.example:8080"]);
    assert.deepEqual(kind.schema.parse(["https://a.example", "https://c.example"]), ["https://a.example", "https://c.example"], "a YAML list");
    assert.deepEqual(kind.schema.parse(""), []);
    assert.equal(kind.schema.safeParse("https://a.example/path").success, false);
    assert.equal(kind.schema.safeParse("a.example").success, false);
  });
});

describe("originAllowed", () => {
  const none = new Set<string>();
  it("accepts a request without an Origin: not from a browser page", () => {
    assert.equal(originAllowed(undefined, "chat.example.org:8080", none), true);
    assert.equal(originAllowed(undefined, undefined, none), true);
  });

  it("accepts the page's own origin: the host and port the request was sent to, whatever the scheme", () => {
    assert.equal(originAllowed("http://chat.example.org:8080", "chat.example.org:8080", none), true);
    assert.equal(originAllowed("http://Chat.Example.org:8080", "chat.example.org:8080", none), true);
    assert.equal(originAllowed("https://chat.example.org", "chat.example.org", none), true, "a page over https behind a proxy that ends TLS");
    assert.equal(originAllowed("https://chat.example.org", "chat.example.org:443", none), true, "the default port written out");
    assert.equal(originAllowed("http://[::1]:8080", "[::1]:8080", none), true);
  });

  it("refuses any other page, and what is no origin", () => {
    assert.equal(originAllowed("http://evil.example", "chat.example.org:8080", none), false);
    assert.equal(originAllowed("http://chat.example.org:8081", "chat.example.org:8080", none), false, "another port");
    assert.equal(originAllowed("http://chat.example.org", "chat.example.org:8080", none), false, "the default port is not 8080");
    assert.equal(originAllowed("http://localhost:8080", "127.0.0.1:8080", none), false, "another name for the same host is another origin");
    assert.equal(originAllowed("null", "chat.example.org", none), false);
    assert.equal(originAllowed("file:///tmp/x.html", "chat.example.org", none), false);
    assert.equal(originAllowed("http://chat.example.org", undefined, none), false, "no Host to compare with");
    assert.equal(originAllowed("http://evil.example", "evil.example@chat.example.org", none), false, "a Host that is no host");
    assert.equal(originAllowed("http://x", "x/y", none), false);
  });

  it("accepts an allow-listed origin from any page host", () => {
    const allowed = new Set(["https://chat.example.org", "http://localhost:3000"]);
    assert.equal(originAllowed("https://chat.example.org", "10.0.0.5:8080", allowed), true);
    assert.equal(originAllowed("https://CHAT.example.org:443", "10.0.0.5:8080", allowed), true);
    assert.equal(originAllowed("http://localhost:3000", "10.0.0.5:8080", allowed), true);
    assert.equal(originAllowed("http://chat.example.org", "10.0.0.5:8080", allowed), false, "the scheme is part of an allowed origin");
    assert.equal(originAllowed("http://localhost:3001", "10.0.0.5:8080", allowed), false);
  });
});
