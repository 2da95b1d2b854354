/**
 * The status page in a real headless browser (Debian's chromium, driven by
 * playwright-core): after a scripted session of a lab, a bcs and a udp user, the page
 * lists each under its dialect, shows the version and the uptime, and its rate chart has
 * points above zero once messages flowed.
 *
 * Without /usr/bin/chromium the test is skipped, saying so, unless
 * SWITCHBOARD_REQUIRE_BROWSER=1 (CI sets it), in which case it fails.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FrameType as BcsType } from "../../src/protocols/bcs/frames.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { VERSION } from "../../src/version.js";
import { RawBcs } from "../helpers/bcs-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { RawUdp } from "../helpers/udp-wire.js";
import { BROWSER_MISSING, BROWSER_SKIP, CHROMIUM, launchBrowser } from "../helpers/chromium.js";
import { ANY_PORT, startHub, tempDir, withOwnServer } from "../helpers/server.js";

describe("the status page in a headless browser", () => {
  it(
    "lists the online users under their dialects, shows version and uptime, and charts the messages",
    { skip: BROWSER_SKIP, timeout: 90_000 },
    withOwnServer(
      () => startHub({ lab: { ...ANY_PORT, bots: [] }, bcs: { ...ANY_PORT, chatLog: "off" }, udp: { ...ANY_PORT, listIntervalMs: 60_000 }, http: ANY_PORT }),
      async (hub) => {
        assert.ok(!BROWSER_MISSING, `${CHROMIUM} is required (SWITCHBOARD_REQUIRE_BROWSER=1) but not installed`);
        const alice = await RawLab.login(hub.ports["lab"]!, "alice");
        const carol = await RawUdp.registered(hub.ports["udp"]!, "carol");
        const { peer: bob } = await RawBcs.login(hub.ports["bcs"]!, "bob");
        const browser = await launchBrowser();
        try {
          const page = await browser.context.newPage();
          const problems: string[] = [];
          page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
          page.on("console", (m) => {
            if (m.type() === "error") problems.push(`console: ${m.text()}`);
          });
          await page.goto(`http://127.0.0.1:${hub.ports["http"]}/`, { timeout: 15_000 });

          // Some chat while the page is open: a few direct and lobby messages.
          for (let i = 0; i < 3; i++) {
            alice.write(`SEND carol hello ${i}\n`);
            assert.equal(await alice.next(), "SEND-OK");
            assert.equal((await carol.nextNotList()).op, Op.PrivateMessage);
            bob.send({ type: BcsType.Send, message: `news ${i}` });
            assert.equal((await bob.next())?.type, BcsType.Status);
            assert.equal(await alice.next(), `DELIVERY bob news ${i}`);
            assert.equal((await carol.nextNotList()).op, Op.PublicMessage);
          }

          const users = (dialect: string) => page.locator(`section.dialect[data-dialect="${dialect}"] li.user`).allTextContents();
          await page.waitForFunction(() => document.querySelectorAll("section.dialect li.user").length === 3, undefined, { timeout: 15_000 });
          assert.deepEqual(await users("lab"), ["alice"]);
          assert.deepEqual(await users("bcs"), ["bob"]);
          assert.deepEqual(await users("udp"), ["carol"]);
          assert.equal(await page.locator(`section.dialect[data-dialect="lab"] .count`).textContent(), "1");
          assert.equal(await page.locator("#online-total").textContent(), "3");
          assert.equal(await page.locator("#version").textContent(), VERSION);
          assert.match((await page.locator("#uptime").textContent()) ?? "", /^\d+s$|^\d+m \d\ds$/);

          // The chart: once the sampler has seen the messages, both lines rise above the baseline.
          await page.waitForFunction(
            () => {
              const rises = (id: string) =>
                (document.getElementById(id)?.getAttribute("points") ?? "")
                  .split(" ")
                  .filter((p) => p !== "")
                  .some((p) => Number(p.split(",")[1]) < 150);
              return rises("line-in") && rises("line-out");
            },
            undefined,
            { timeout: 15_000 },
          );
          assert.equal(await page.locator("#state").textContent(), "live");
          assert.deepEqual(problems, [], "the page ran without errors (its own CSP included)");

          const shot = join(tempDir("sb-status-page-"), "status-page.png");
          await page.screenshot({ path: shot, fullPage: true, timeout: 15_000 });
          process.stdout.write(`# status page screenshot: ${shot}\n`);
        } finally {
          await browser.dispose();
          alice.close();
          bob.close();
          carol.close();
        }
      },
    ),
  );
});
