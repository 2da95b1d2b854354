/**
 * prom-client's default metrics (event-loop lag, CPU, memory, GC, file descriptors):
 * facts about the process, not about one Switchboard, so they are collected once per
 * process into a registry of their own. Each call of collectDefaultMetrics would start
 * another event-loop monitor and GC observer that nothing can stop, which several
 * Switchboards in one process (the tests) would pile up.
 *
 * Left out: the counts of active handles, requests and resources. Each scrape would walk
 * every handle of the process (one per connection) on the event loop, costing about
 * 0.4 ms per 1000 connections, to say what switchboard_connections already says.
 */
import { collectDefaultMetrics, Registry } from "prom-client";

const LEFT_OUT = [
  "nodejs_active_handles",
  "nodejs_active_handles_total",
  "nodejs_active_requests",
  "nodejs_active_requests_total",
  "nodejs_active_resources",
  "nodejs_active_resources_total",
];

let registry: Registry | undefined;

export function processMetrics(): Registry {
  if (registry === undefined) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
    for (const name of LEFT_OUT) registry.removeSingleMetric(name);
  }
  return registry;
}
