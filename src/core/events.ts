/**
 * What the hub tells a member. Each dialect renders these its own way (docs/wire.md#rendering-across-dialects);
 * the hub never knows how. One event object is shared by every recipient of a
 * broadcast, so sessions must treat it as read-only (and may cache a rendering on it
 * through a WeakMap of their own).
 */
export type HubEvent =
  | { readonly kind: "lobby"; readonly from: string; readonly text: string }
  | { readonly kind: "direct"; readonly from: string; readonly text: string }
  | { readonly kind: "join"; readonly name: string }
  | { readonly kind: "leave"; readonly name: string }
  | { readonly kind: "file"; readonly from: string; readonly file: string };

export type HubEventKind = HubEvent["kind"];

/** Events everyone may see (all but direct messages): what an observer of the hub gets. */
export type PublicEvent = Exclude<HubEvent, { kind: "direct" }>;
