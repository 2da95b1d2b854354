/**
 * The name rule of docs/wire.md#names, over real sockets in every dialect: a name owned by a cs262
 * account, online or not, is taken ("name in use"); only `server` and names that break
 * the rule are invalid.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FrameType as BcsType, Status } from "../../src/protocols/bcs/frames.js";
import { FrameType as GowingType, JoinStatus } from "../../src/protocols/gowing/frames.js";
import { Op as UdpOp } from "../../src/protocols/udp/frames.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawCs262 } from "../helpers/cs262-wire.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { RawUdp } from "../helpers/udp-wire.js";
import { startEveryDialect } from "../helpers/every-dialect.js";
import type { TestHub } from "../helpers/server.js";

/** Each dialect's answer to a login under `name`, as a short string. */
type Attempt = (name: string) => Promise<string>;

describe("the name rule in every dialect (docs/wire.md#names)", () => {
  let hub: TestHub;
  let attempts: Record<string, Attempt>;
  let online: RawCs262;

  before(async () => {
    hub = await startEveryDialect();
    const port = (name: string) => hub.ports[name]!;
    (await RawCs262.account(port("cs262"), "frank")).socket.destroy(); // an account, offline
    online = await RawCs262.account(port("cs262"), "grace"); // an account, online
    attempts = {
      lab: async (name) => {
        const lab = await RawLab.open(port("lab"));
        lab.write(`HELLO-FROM ${name}\n`);
        const answer = (await lab.next())!;
        lab.close();
        return answer;
      },
      bcs: async (name) => {
        const bcs = await RawBcs.open(port("bcs"));
        bcs.send({ type: BcsType.Register, username: name });
        const answer = await bcs.next();
        bcs.close();
        assert.equal(answer?.type, BcsType.Status);
        return answer.type === BcsType.Status ? `${answer.code} ${answer.message}` : "";
      },
      gowing: async (name) => {
        const gowing = await RawGowing.open(port("gowing"));
        gowing.send(GowingType.Join, name);
        const status = await gowing.joinStatus();
        gowing.close();
        return String(status);
      },
      udp: async (name) => {
        const udp = await RawUdp.open(port("udp"));
        udp.send({ op: UdpOp.Register, name });
        const answer = await udp.next();
        udp.socket.close();
        return answer.op === UdpOp.Error ? `Error ${answer.message}` : `op ${answer.op}`;
      },
    };
  });
  after(async () => {
    online.socket.destroy();
    await hub.close();
  });

  const inUse: Record<string, string> = {
    lab: "IN-USE",
    bcs: `${Status.NameInUse} name in use`,
    gowing: String(JoinStatus.NameTaken),
    udp: "Error name in use",
  };
  const invalid: Record<string, RegExp> = {
    lab: /^BAD-RQST-BODY$/,
    bcs: new RegExp(`^${Status.InvalidName} invalid name`),
    gowing: new RegExp(`^${JoinStatus.InvalidName}$`),
    udp: /^Error invalid name/,
  };

  for (const dialect of ["lab", "bcs", "gowing", "udp"]) {
    it(`${dialect}: an account's name, offline or online and in any case, is "name in use"`, async () => {
      for (const name of ["frank", "FRANK", "grace", "Grace"]) {
        assert.equal(await attempts[dialect]!(name), inUse[dialect], `${dialect} ${name}`);
      }
    });

    it(`${dialect}: \`server\` and a name that breaks the rule are invalid`, async () => {
      for (const name of ["server", "SERVER", "a/b", "x".repeat(33)]) {
        assert.match(await attempts[dialect]!(name), invalid[dialect]!, `${dialect} ${name}`);
      }
    });
  }
});
