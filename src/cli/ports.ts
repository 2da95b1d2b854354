import { port, portOrOff } from "../config/kinds.js";
import { argParser } from "./limit-options.js";

export const parsePort = argParser(port.schema);

/** A port number, or `off` where a listener can be turned off. */
export const parsePortOrOff = argParser(portOrOff.schema);

/** A server command's --host: the address it binds to. */
export const BIND_ADDRESS_OPTION = ["--host <address>", "address to bind", "0.0.0.0"] as const;

/** A server command's --port, where 0 asks for a free one. */
export const listenPortOption = (defaultPort: number) => ["--port <port>", "port to listen on (0 picks a free one)", parsePort, defaultPort] as const;

/** A client command's --host: the server to talk to. */
export const SERVER_HOST_OPTION = ["--host <host>", "server host", "127.0.0.1"] as const;

/** A client command's --port: the server's port. */
export const serverPortOption = (defaultPort: number) => ["--port <port>", "server port", parsePort, defaultPort] as const;
