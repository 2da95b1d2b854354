import { port, portOrOff } from "../config/kinds.js";
import { argParser } from "./limit-options.js";

export const parsePort = argParser(port.schema);

/** A port number, or `off` where a listener can be turned off. */
export const parsePortOrOff = argParser(portOrOff.schema);
