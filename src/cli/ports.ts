import { InvalidArgumentError } from "commander";
import { parseCount } from "./limit-options.js";

export function parsePort(value: string): number {
  const n = parseCount(value);
  if (n > 65535) throw new InvalidArgumentError("expected a port from 0 to 65535");
  return n;
}

/** A port number, or `off` where a listener can be turned off. */
export function parsePortOrOff(value: string): number | "off" {
  return value === "off" ? "off" : parsePort(value);
}
