/** `switchboard client lab` as a subprocess against a real server (docs/lab.md "Client"). */
import assert from "node:assert/strict";
import { createServer, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { RawLab } from "../helpers/lab-wire.js";
import { Interactive } from "../helpers/interactive.js";
import { ANY_PORT, CLI, startHub, type TestHub } from "../helpers/server.js";

const WELCOME = "Welcome to Chat Client. Enter your login:";

describe("lab client", () => {
  let hub: TestHub;
  const clients: Interactive[] = [];
  const client = (): Interactive => {
    const c = new Interactive(CLI("switchboard"), ["client", "lab", "--address", "127.0.0.1", "--port", String(hub.ports["lab"])]);
    clients.push(c);
    return c;
  };
  before(async () => (hub = await startHub({ lab: { ...ANY_PORT, bots: ["delaybot"] } }, { maxUsers: 4 })));
  after(async () => {
    clients.forEach((c) => c.kill());
    await hub.close();
  });

  it("logs in, asking again after a taken name and after disallowed characters", async () => {
    const holder = await RawLab.login(hub.ports["lab"]!, "taken");
    const c = client();
    await c.expect(WELCOME);
    c.type("taken");
    await c.expect("Cannot log in as taken. That username is already in use.");
    await c.expect(WELCOME);
    c.type("bad name!");
    await c.expect("Cannot log in as bad name!. That username contains disallowed characters.");
    await c.expect(WELCOME);
    c.type("fresh");
    await c.expect("Successfully logged in as fresh!");
    c.type("!quit");
    assert.equal(await c.exited, 0);
    holder.close();
  });

  it("lists users with !who, sends with @user, receives, and reports an unknown user", async () => {
    const peer = await RawLab.login(hub.ports["lab"]!, "peer");
    const c = client();
    await c.expect(WELCOME);
    c.type("carol");
    await c.expect("Successfully logged in as carol!");
    c.type("!who");
    await c.expect("There are 3 online users:");
    const names = [await c.expect(/^\S+$/), await c.expect(/^\S+$/), await c.expect(/^\S+$/)];
    assert.deepEqual(names.sort(), ["carol", "delaybot", "peer"]);
    c.type("@peer hi from the client");
    assert.equal(await peer.next(), "DELIVERY carol hi from the client");
    await c.expect("The message was sent successfully");
    peer.write("SEND carol hello back, carol\n");
    await c.expect("From peer: hello back, carol");
    c.type("@nobody are you there?");
    await c.expect("The destination user does not exist");
    c.type("@peer");
    await c.expect("Error: Unknown issue in previous message body.");
    c.type("!quit");
    assert.equal(await c.exited, 0);
    peer.close();
  });

  it("prints delaybot's split reply whole", async () => {
    const c = client();
    await c.expect(WELCOME);
    c.type("splitfan");
    await c.expect("Successfully logged in as splitfan!");
    c.type("@delaybot reassemble this line please");
    await c.expect("From delaybot: reassemble this line please");
    await c.expect("From delaybot: reassemble this line please");
    c.type("!quit");
    assert.equal(await c.exited, 0);
  });

  it("quits with !quit before logging in", async () => {
    const c = client();
    await c.expect(WELCOME);
    c.type("!quit");
    assert.equal(await c.exited, 0);
  });

  it("says the server is full and exits", async () => {
    // maxUsers 4: delaybot and three held logins fill it.
    const held = await Promise.all(["f1", "f2", "f3"].map((n) => RawLab.login(hub.ports["lab"]!, n)));
    const c = client();
    await c.expect(WELCOME);
    c.type("f4");
    await c.expect("Cannot log in. The server is full!");
    assert.equal(await c.exited, 1);
    held.forEach((h) => h.close());
  });

  it("with piped input, finishes what it sent after end of input, then exits 0", async () => {
    const peer = await RawLab.login(hub.ports["lab"]!, "sink");
    const c = client();
    c.type("piper");
    for (let i = 0; i < 5; i++) c.type(`@sink line ${i}`);
    c.endInput();
    for (let i = 0; i < 5; i++) assert.equal(await peer.next(), `DELIVERY piper line ${i}`);
    assert.equal(await c.exited, 0);
    assert.equal(c.lines.filter((l) => l === "The message was sent successfully").length, 5);
    peer.close();
  });

  it("says the server closed the connection on stderr, and exits 1", async () => {
    // A server that accepts the login, then hangs up.
    let conn: Socket | undefined;
    const fake = createServer((socket) => {
      conn = socket;
      socket.once("data", () => socket.write("HELLO closer\n"));
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    try {
      const c = new Interactive(CLI("switchboard"), ["client", "lab", "--address", "127.0.0.1", "--port", String((fake.address() as { port: number }).port)]);
      clients.push(c);
      c.type("closer");
      await c.expect("Successfully logged in as closer!");
      conn!.destroy();
      assert.equal(await c.exit(), 1, c.dump());
      assert.deepEqual(c.err, ["error: the server closed the connection"]);
      assert.deepEqual(c.out, [WELCOME, "Successfully logged in as closer!"]);
    } finally {
      fake.close();
    }
  });
});
