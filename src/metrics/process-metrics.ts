/**
 * prom-client's default metrics (event-loop lag, CPU, memory, GC, file descriptors):
 * facts about the process, not about one Switchboard, so they are collected once per
 * process into a registry of their own. Each call of collectDefaultMetrics would start
 * another event-loop monitor and GC observer that nothing can stop, which several
 * Switchboards in one process (the tests) would pile up.
 */
import { collectDefaultMetrics, Registry } from "prom-client";

let registry: Registry | undefined;

export function processMetrics(): Registry {
  if (registry === undefined) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
