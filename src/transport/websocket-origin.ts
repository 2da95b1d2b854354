/**
 * The WebSocket endpoint's origin check (docs/web.md "Origins"). A browser says in
 * `Origin` which page opens a WebSocket, and lets any page open one to any server: without
 * this check, a page on another site could chat in its visitor's name from the visitor's
 * address (cross-site WebSocket hijacking). So a request with an Origin is accepted only
 * from the page's own origin (the host and port the request was sent to: its `Host`) or
 * from an origin on the allow-list (--web-origins). A request without one does not come
 * from a browser page (a command-line client, a bot) and is accepted: the check guards
 * browsers' users, it is no authentication.
 */

/**
 * `text` as an allow-list keeps an origin (`scheme://host[:port]`, lower case, without the
 * scheme's default port), or undefined when it is not an http(s) origin (a path, a query,
 * user info or another scheme; `null`, which sandboxed pages send, is no origin either).
 */
export function normalOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username !== "" || url.password !== "" || url.pathname !== "/" || url.search !== "" || url.hash !== "") return undefined;
  return url.origin;
}

/**
 * May a WebSocket be opened with this `origin` (the request's Origin header, if any) on a
 * request sent to `host` (its Host header)? Yes without an Origin, when the Origin's host
 * and port are `host` (the scheme is not compared: behind a proxy that ends TLS the page is
 * https while the request reaching us is plain), or when it is on `allowed` (normalOrigin's
 * form).
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  if (allowed.has(url.origin)) return true;
  // A Host is `host[:port]`: anything that would make it a path or user info is not one.
  if (host === undefined || host === "" || /[/@?#\\\s]/.test(host)) return false;
  try {
    // Read under the Origin's scheme, so that its default port is dropped the same way.
    return new URL(`${url.protocol}//${host}`).host === url.host;
  } catch {
    return false;
  }
}
