/**
 * The limits of one process: the hub's (src/core/limits.ts), the transport's
 * (src/transport/limits.ts) and each registered dialect's own, in one object. The
 * process keeps one live copy, changed in place by SIGHUP, and hands each layer the
 * view of it that it reads.
 */
import { DEFAULT_HUB_LIMITS, type HubLimits } from "../core/limits.js";
import type { Dialect } from "../protocols/dialect.js";
import { DIALECTS, type BuiltInDialect } from "../protocols/registry.js";
import { DEFAULT_TRANSPORT_LIMITS, type TransportLimits } from "../transport/limits.js";

/** `A | B` as `A & B`: the members of a union, all together. */
export type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Every registered dialect's own limits together. */
export type DialectLimits = Writable<UnionToIntersection<BuiltInDialect["limits"]>>;

export type Limits = HubLimits & TransportLimits & DialectLimits;

/** The defaults of every layer's limits, for `dialects`. */
export function defaultLimits(dialects: readonly Dialect[] = DIALECTS): Readonly<Limits> {
  return Object.freeze(Object.assign({}, DEFAULT_HUB_LIMITS, DEFAULT_TRANSPORT_LIMITS, ...dialects.map((d) => d.limits)) as Limits);
}

export const DEFAULT_LIMITS: Readonly<Limits> = defaultLimits();
