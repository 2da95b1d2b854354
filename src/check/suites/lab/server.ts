/**
 * The lab server, checked over TCP: seed 001's PR/UR/TR requirements and docs/lab.md.
 * Every expectation is written out as bytes here, not produced by Switchboard's own
 * codec, so a bug shared by our codec and our server cannot hide.
 */
import type { CheckCase } from "../../case.js";
import type { CheckContext } from "../../context.js";
import type { StreamProbe } from "../../probe/stream-probe.js";

/** A user logged in as `name` (HELLO-FROM answered by HELLO). */
export async function loggedIn(ctx: CheckContext, name = ctx.name("u")): Promise<{ probe: StreamProbe; name: string }> {
  const probe = await ctx.connect();
  probe.send(`HELLO-FROM ${name}\n`);
  await probe.expectLine(`HELLO ${name}`);
  return { probe, name };
}

export const LAB_SERVER_CASES: readonly CheckCase[] = [
  {
    id: "login.ok",
    title: "HELLO-FROM with a free name is answered HELLO <name>",
    clause: "seed 001 PR2, PR3",
    async run(ctx) {
      await loggedIn(ctx);
    },
  },
  {
    id: "login.in-use",
    title: "HELLO-FROM with a name online is answered IN-USE, then the connection closes",
    clause: "seed 001 PR5",
    async run(ctx) {
      const { name } = await loggedIn(ctx);
      const second = await ctx.connect();
      second.send(`HELLO-FROM ${name}\n`);
      await second.expectLine("IN-USE");
      await second.expectClosed("the connection closed after IN-USE");
    },
  },
  {
    id: "send.self",
    title: "SEND to oneself: DELIVERY, then SEND-OK",
    clause: "seed 001 PR10-PR12",
    async run(ctx) {
      const { probe, name } = await loggedIn(ctx);
      probe.send(`SEND ${name} hello there\n`);
      await probe.expectLine(`DELIVERY ${name} hello there`);
      await probe.expectLine("SEND-OK");
    },
  },
];
