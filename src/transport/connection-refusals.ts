/**
 * TCP connections closed at accept, before they had a session, counted by why: the
 * listener's own counters (read by /metrics as switchboard_connections_refused_total),
 * not the hub's, which knows nothing of sockets, addresses or PROXY headers.
 */

/** Why a TCP connection was closed at accept. */
export type ConnectionRefusal =
  /** Its address already had --max-connections-per-ip open. */
  | "too_many_from_address"
  /** PROXY protocol: its address already had that many waiting for their header. */
  | "too_many_awaiting_header"
  /** PROXY protocol: what it sent first was no valid header. */
  | "bad_proxy_header"
  /** PROXY protocol: no complete header within --login-timeout. */
  | "proxy_header_timeout"
  /** PROXY protocol: it closed in the middle of its header. */
  | "proxy_header_incomplete";

export type ConnectionRefusals = Record<ConnectionRefusal, number>;

/** Every reason at 0, in a stable order (the order of the series in /metrics). */
export function noRefusals(): ConnectionRefusals {
  return {
    too_many_from_address: 0,
    too_many_awaiting_header: 0,
    bad_proxy_header: 0,
    proxy_header_timeout: 0,
    proxy_header_incomplete: 0,
  };
}
