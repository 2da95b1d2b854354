/**
 * The lab client, checked against a stand-in server: what seed 001's client assignment
 * and docs/lab.md ask of it, as a line-matching grader sees its output.
 */
import type { CheckCase } from "../../case.js";

export const LAB_CLIENT_CASES: readonly CheckCase[] = [
  {
    id: "login.hello-from",
    title: "the name typed first is sent as HELLO-FROM <name>",
    clause: "seed 001 (client assignment); docs/lab.md#lines",
    async run(ctx) {
      const server = await ctx.listen();
      const client = ctx.startClient(server.port);
      const name = ctx.name("c");
      client.typeLine(name);
      const conn = await server.accept();
      await conn.expectLine(`HELLO-FROM ${name}`);
      conn.send(`HELLO ${name}\n`);
      conn.send(`DELIVERY someone hi ${name}\n`);
      await client.waitOutput(`From someone: hi ${name}`);
    },
  },
];
