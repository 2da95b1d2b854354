/**
 * The NameRegistry and Router contracts against the in-process implementations, and
 * against the same wrapped to answer a turn later (gated-ports.ts), as networked ones do:
 * the suites hold for answers that are pending as well as for plain ones.
 */
import { LocalNameRegistry } from "../../../src/core/local-registry.js";
import { LocalRouter } from "../../../src/core/local-router.js";
import { Gate, GatedRegistry, GatedRouter } from "../../helpers/gated-ports.js";
import { nameRegistryContract } from "./name-registry.contract.js";
import { routerContract } from "./router.contract.js";

nameRegistryContract("LocalNameRegistry", { open: () => new LocalNameRegistry() });
nameRegistryContract("LocalNameRegistry, answering a turn later", { open: () => new GatedRegistry(new LocalNameRegistry(), new Gate(true)) });

routerContract("LocalRouter", {
  open: (onThrow) => {
    const registry = new LocalNameRegistry();
    return { registry, router: new LocalRouter(registry, onThrow) };
  },
});
routerContract("LocalRouter, answering a turn later", {
  open: (onThrow) => {
    const registry = new LocalNameRegistry();
    return { registry, router: new GatedRouter(new LocalRouter(registry, onThrow), new Gate(true)) };
  },
});
