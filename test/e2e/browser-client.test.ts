/**
 * The browser chat client (issue 18 point 3, docs/web.md) in headless chromium: two
 * browser users and one user each on lab, gowing and udp on one hub. They exchange lobby
 * messages (Unicode included) and see one another's joins and leaves; a 5 MiB file
 * uploaded in one browser is downloaded in the other byte for byte, both progress bars
 * reaching 100%; the client reconnects with backoff when its connection goes away; and the
 * page runs under its strict CSP without a violation. Screenshots of a desktop (1280x800)
 * and a phone (390x844) window are written under /tmp.
 *
 * The page and its WebSocket come from the server's own web listener (`/` and `/ws/bcs`,
 * issue 18 point 2): the browsers are bcs connections of the hub like any TCP one.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { DEFAULT_LIMITS } from "../../src/app/limits.js";
import { FrameType as GowingType } from "../../src/protocols/gowing/frames.js";
import { asciiOnly } from "../../src/protocols/render-text.js";
import { Op } from "../../src/protocols/udp/frames.js";
import { WEB_CSP } from "../../src/web/static-files.js";
import { BROWSER_MISSING, BROWSER_SKIP, CHROMIUM, launchBrowser } from "../helpers/chromium.js";
import { RawGowing } from "../helpers/gowing-wire.js";
import { RawLab } from "../helpers/lab-wire.js";
import { ANY_PORT, startHub, tempDir, withOwnServer } from "../helpers/server.js";
import { RawUdp } from "../helpers/udp-wire.js";

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const FILE_BYTES = 5 * 1024 * 1024;
/** Each wait in the browser; the whole test has its own limit below. */
const WAIT_MS = 15_000;

// ---- the page, as a user sees it ----------------------------------------------------------

/** Open the client in a new page of the window size given; errors and CSP violations collected. */
async function openClient(context: Awaited<ReturnType<typeof launchBrowser>>["context"], url: string, viewport: { width: number; height: number }) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  // Runs before the page's own scripts (and is exempt from its CSP, being the browser's).
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] };
    w.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const response = await page.goto(url, { timeout: WAIT_MS });
  assert.equal(response?.status(), 200);
  assert.equal(response?.headers()["content-security-policy"], WEB_CSP);
  return { page, problems };
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

/** Type a name and press Enter. */
async function submitName(page: Page, name: string): Promise<void> {
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Your name").press("Enter");
}

async function login(page: Page, name: string): Promise<void> {
  await submitName(page, name);
  await page.locator("#chat-view").waitFor({ state: "visible", timeout: WAIT_MS });
  await page.waitForFunction((n) => document.getElementById("connection")?.textContent === `Online as ${n}`, name, { timeout: WAIT_MS });
  assert.equal(await page.evaluate(() => document.activeElement?.id), "message", "the message box has the focus after logging in");
}

/** The login's error line, once it says something. */
async function loginError(page: Page): Promise<string> {
  await page.waitForFunction(() => (document.getElementById("login-error")?.textContent ?? "") !== "", undefined, { timeout: WAIT_MS });
  const text = (await page.locator("#login-error").textContent()) ?? "";
  await page.evaluate(() => (document.getElementById("login-error")!.textContent = ""));
  return text;
}

/** Names in the online list, sorted. */
async function online(page: Page): Promise<string[]> {
  return (await page.locator("#online li.user").evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset["name"] ?? ""))).sort();
}

async function waitForOnline(page: Page, names: string[]): Promise<void> {
  const want = [...names].sort();
  await page
    .waitForFunction(
      (w) => JSON.stringify([...document.querySelectorAll<HTMLElement>("#online li.user")].map((li) => li.dataset["name"]).sort()) === JSON.stringify(w),
      want,
      { timeout: WAIT_MS },
    )
    .catch(async () => assert.deepEqual(await online(page), want));
  assert.equal(await page.locator("#online-count").textContent(), String(names.length));
}

/** Wait for a message item of `kind` whose sender and text are as given (no sender: a notice). */
async function waitForMessage(page: Page, kind: string, text: string, from?: string): Promise<void> {
  await page
    .waitForFunction(
      ([k, t, f]) =>
        [...document.querySelectorAll<HTMLElement>(`#messages li.msg[data-kind="${k}"]`)].some(
          (li) => li.querySelector(".text")?.textContent === t && (f === null || li.querySelector(".from")?.textContent === f),
        ),
      [kind, text, from ?? null] as const,
      { timeout: WAIT_MS },
    )
    .catch(async () => {
      const seen = await page.locator("#messages li.msg").allTextContents();
      assert.fail(`no ${kind} message ${JSON.stringify(text)}${from ? ` from ${from}` : ""}; the page shows:\n${seen.join("\n")}`);
    });
}

/** Type `text` in the message box and press Enter; waits until the server has taken it. */
async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel("Message to everyone").fill(text);
  await page.getByLabel("Message to everyone").press("Enter");
  await page.waitForFunction(
    (t) => [...document.querySelectorAll<HTMLElement>('#messages li.msg[data-kind="own"]')].some((li) => li.querySelector(".text")?.textContent === t && li.dataset["state"] === "sent"),
    text,
    { timeout: WAIT_MS },
  );
  assert.equal(await page.getByLabel("Message to everyone").inputValue(), "", "the box is emptied once sent");
}

/** Record every value the transfer bars of the page take, from now on. */
async function watchProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { progressSeen: Record<string, number[]> };
    w.progressSeen = {};
    const record = (bar: HTMLProgressElement): void => {
      const li = bar.closest<HTMLElement>("li.transfer")!;
      const key = `${li.dataset["direction"]} ${li.dataset["file"]}`;
      (w.progressSeen[key] ??= []).push(bar.value / bar.max);
    };
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.target instanceof HTMLProgressElement) record(r.target);
        for (const n of r.addedNodes) if (n instanceof HTMLElement) n.querySelectorAll("progress").forEach(record);
      }
    }).observe(document.getElementById("transfers")!, { subtree: true, childList: true, attributes: true, attributeFilter: ["value", "max"] });
  });
}

async function progressSeen(page: Page, key: string): Promise<number[]> {
  return page.evaluate((k) => (window as unknown as { progressSeen: Record<string, number[]> }).progressSeen[k] ?? [], key);
}

/**
 * Choose `path` in the page's file input, and wait for its upload row to appear; a
 * failure says what the page showed (online? the input disabled?).
 */
async function chooseFile(page: Page, path: string, file: string): Promise<void> {
  await page.locator("#file").setInputFiles(path);
  const appeared = await page
    .locator(`#transfers li.transfer[data-direction="upload"][data-file="${file}"]`)
    .first()
    .waitFor({ state: "attached", timeout: WAIT_MS })
    .then(() => true)
    .catch(() => false);
  if (appeared) return;
  const state = await page.evaluate(() => ({
    connection: document.getElementById("connection")?.textContent ?? "",
    inputDisabled: (document.getElementById("file") as HTMLInputElement | null)?.disabled ?? null,
  }));
  assert.fail(`choosing ${file} made no upload row: ${JSON.stringify(state)}`);
}

/** Wait for the transfer row of `file` to finish; returns its label and its bar's value and max. */
async function finishedTransfer(page: Page, direction: "upload" | "download", file: string) {
  const row = page.locator(`#transfers li.transfer[data-direction="${direction}"][data-file="${file}"]`);
  await page
    .waitForFunction(
      ([d, f]) => {
        const li = document.querySelector<HTMLElement>(`#transfers li.transfer[data-direction="${d}"][data-file="${f}"]`);
        return li !== null && (li.dataset["state"] === "done" || li.dataset["state"] === "failed");
      },
      [direction, file] as const,
      { timeout: 60_000 },
    )
    .catch(async () => assert.fail(`the ${direction} of ${file} did not finish: ${await row.textContent().catch(() => "no row")}`));
  return {
    state: await row.getAttribute("data-state"),
    label: (await row.locator("label").textContent()) ?? "",
    value: await row.locator("progress").evaluate((p) => (p as HTMLProgressElement).value),
    max: await row.locator("progress").evaluate((p) => (p as HTMLProgressElement).max),
  };
}

/** `values` start at 0 or more, never go down, and end at 1 (100%). */
function assertClimbsToFull(values: number[], what: string): void {
  assert.ok(values.length >= 2, `${what}: the bar was drawn more than once (${values.length})`);
  for (let i = 1; i < values.length; i++) assert.ok(values[i]! >= values[i - 1]!, `${what}: the bar never goes back (${values.join(", ")})`);
  assert.ok(values[0]! < 1, `${what}: the bar starts below 100%`);
  assert.equal(values.at(-1), 1, `${what}: the bar ends at 100%`);
}

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** The next gowing frame, which must be a lobby line with this text. */
async function gowingLine(peer: RawGowing, text: string): Promise<void> {
  assert.deepEqual(await peer.next(WAIT_MS), { type: GowingType.Message, text });
}

async function udpPublic(peer: RawUdp, from: string, text: string): Promise<void> {
  assert.deepEqual(await peer.nextNotList(WAIT_MS), { op: Op.PublicMessage, from, text });
}

// ---- the test -----------------------------------------------------------------------------

describe("the browser chat client, over the web listener's /ws/bcs", () => {
  it(
    "two browsers, lab, gowing and udp chat, see joins and leaves, share a 5 MiB file, and reconnect",
    { skip: BROWSER_SKIP, timeout: 110_000 },
    withOwnServer(
      () =>
        startHub({
          lab: { ...ANY_PORT, bots: [] },
          gowing: { ...ANY_PORT, logDir: "off" },
          bcs: { ...ANY_PORT, chatLog: "off" },
          udp: { ...ANY_PORT, listIntervalMs: 60_000 },
          web: ANY_PORT,
        }),
      async (hub) => {
        assert.ok(!BROWSER_MISSING, `${CHROMIUM} is required (SWITCHBOARD_REQUIRE_BROWSER=1) but not installed`);
        const web = { url: `http://127.0.0.1:${hub.ports["web"]}/` };
        /** bcs connections refused at their limit per address (WebSockets included). */
        const refusedBcs = (): number => hub.running.probes.find((p) => p.name === "bcs")!.refused!()["too_many_from_address"] ?? 0;
        const alice = await RawLab.login(hub.ports["lab"]!, "alice");
        const erin = await RawUdp.registered(hub.ports["udp"]!, "erin");
        let dave: RawGowing | undefined;
        const browser = await launchBrowser(DESKTOP);
        const shots = tempDir("sb-browser-client-");
        try {
          const a = await openClient(browser.context, web.url, DESKTOP);
          const anna = a.page;

          // A refused name is said in words, and the form stays for another try.
          await submitName(anna, "alice");
          assert.match(await loginError(anna), /^That name is taken: .*The server said: “name in use”$/);
          await submitName(anna, "no spaces");
          assert.match(await loginError(anna), /^That name is not allowed: use 1 to 32 letters, digits, _ - or \..*The server said: “invalid name: use 1-32 of A-Z a-z 0-9 _ - \.”$/);
          assert.equal(await anna.evaluate(() => document.activeElement?.id), "name", "the name box has the focus again");

          // anna joins: the server's list names the lab and udp users already there.
          await login(anna, "anna");
          await waitForMessage(anna, "notice", "Also online: alice, erin");
          await waitForOnline(anna, ["alice", "anna", "erin"]);

          // A gowing user joins: anna sees the notice and the list grows.
          dave = await RawGowing.joined(hub.ports["gowing"]!, "dave");
          await waitForMessage(anna, "presence", "dave has connected");
          await waitForOnline(anna, ["alice", "anna", "dave", "erin"]);

          // A second browser, phone-sized: it is listed, and every dialect that shows joins sees it.
          const b = await openClient(browser.context, web.url, PHONE);
          const bruno = b.page;
          await login(bruno, "bruno");
          await waitForOnline(bruno, ["alice", "anna", "bruno", "dave", "erin"]);
          await waitForMessage(anna, "presence", "bruno has connected");
          await waitForOnline(anna, ["alice", "anna", "bruno", "dave", "erin"]);
          await gowingLine(dave, "**bruno is joining the chat**");

          // Lobby messages from every side, Unicode included; each sees the others'.
          const fromAnna = "Grüße aus dem Browser: 日本語, emoji 👋🏽, math ∑√π";
          await say(anna, fromAnna);
          await waitForMessage(bruno, "lobby", fromAnna, "anna");
          assert.equal(await alice.next(WAIT_MS), `DELIVERY anna ${fromAnna}`);
          await gowingLine(dave, `[anna] ${asciiOnly(fromAnna)}`);
          await udpPublic(erin, "anna", fromAnna);

          const fromBruno = "Привет from the phone — ça va? 🚀";
          await say(bruno, fromBruno);
          await waitForMessage(anna, "lobby", fromBruno, "bruno");
          assert.equal(await alice.next(WAIT_MS), `DELIVERY bruno ${fromBruno}`);
          await gowingLine(dave, `[bruno] ${asciiOnly(fromBruno)}`);
          await udpPublic(erin, "bruno", fromBruno);

          dave.send(GowingType.Message, "hello from gowing");
          await waitForMessage(anna, "lobby", "hello from gowing", "dave");
          await waitForMessage(bruno, "lobby", "hello from gowing", "dave");
          assert.equal(await alice.next(WAIT_MS), "DELIVERY dave hello from gowing");
          await udpPublic(erin, "dave", "hello from gowing");

          const fromErin = "héllo from udp ☃ 中文";
          erin.send({ op: Op.Public, text: fromErin });
          await udpPublic(erin, "erin", fromErin); // udp sends a lobby message back to its sender too
          await waitForMessage(anna, "lobby", fromErin, "erin");
          await waitForMessage(bruno, "lobby", fromErin, "erin");
          assert.equal(await alice.next(WAIT_MS), `DELIVERY erin ${fromErin}`);
          await gowingLine(dave, `[erin] ${asciiOnly(fromErin)}`);

          // lab has only direct messages: shown as such.
          alice.write("SEND anna psst, only for you ✉\n");
          assert.equal(await alice.next(WAIT_MS), "SEND-OK");
          await waitForMessage(anna, "private", "psst, only for you ✉", "alice");

          // A 5 MiB file from anna's browser, downloaded in bruno's, byte for byte.
          const fileName = "photos-ünï.bin";
          const content = randomBytes(FILE_BYTES);
          const source = join(shots, fileName);
          writeFileSync(source, content);
          await watchProgress(anna);
          await watchProgress(bruno);
          await chooseFile(anna, source, fileName);
          const up = await finishedTransfer(anna, "upload", fileName);
          assert.equal(up.state, "done", up.label);
          assert.equal(up.label, `Uploaded ${fileName} (5.0 MiB)`);
          assert.deepEqual([up.value, up.max], [FILE_BYTES, FILE_BYTES], "the upload's bar is at 100%");
          assertClimbsToFull(await progressSeen(anna, `upload ${fileName}`), "upload");
          await waitForMessage(bruno, "file", "anna shared ");
          await gowingLine(dave, `**anna has uploaded ${asciiOnly(fileName)} to the server**`);

          const downloading = bruno.waitForEvent("download", { timeout: 60_000 });
          await bruno.locator(`#messages li.msg[data-kind="file"][data-file="${fileName}"] button`).click();
          const download = await downloading;
          assert.equal(download.suggestedFilename(), fileName);
          const saved = join(shots, "downloaded.bin");
          await download.saveAs(saved);
          const got = readFileSync(saved);
          assert.equal(got.length, FILE_BYTES);
          assert.equal(sha256(got), sha256(content), "the downloaded file is byte-exact");
          const down = await finishedTransfer(bruno, "download", fileName);
          assert.equal(down.state, "done", down.label);
          assert.deepEqual([down.value, down.max], [FILE_BYTES, FILE_BYTES], "the download's bar is at 100%");
          assertClimbsToFull(await progressSeen(bruno, `download ${fileName}`), "download");

          // Still chatting after the transfer (the acks kept the delivers flowing).
          await say(bruno, "got it, thanks ✔");
          await waitForMessage(anna, "lobby", "got it, thanks ✔", "bruno");
          assert.equal(await alice.next(WAIT_MS), "DELIVERY bruno got it, thanks ✔");
          await gowingLine(dave, "[bruno] got it, thanks ?");
          await udpPublic(erin, "bruno", "got it, thanks ✔");

          // The two window sizes, with a conversation on screen.
          const desktopShot = join(shots, "desktop-1280x800.png");
          const phoneShot = join(shots, "phone-390x844.png");
          await anna.screenshot({ path: desktopShot, timeout: WAIT_MS });
          await bruno.screenshot({ path: phoneShot, timeout: WAIT_MS });
          process.stdout.write(`# browser client screenshots: ${desktopShot} ${phoneShot}\n`);
          for (const page of [anna, bruno]) {
            const width = await page.evaluate(() => document.documentElement.scrollWidth);
            assert.ok(width <= page.viewportSize()!.width, `nothing wider than the window (${width} px)`);
          }

          // Leaves: a gowing user, then a browser user who presses Leave.
          dave.send(GowingType.Leave);
          await waitForMessage(anna, "presence", "dave has disconnected");
          await waitForMessage(bruno, "presence", "dave has disconnected");
          await waitForOnline(anna, ["alice", "anna", "bruno", "erin"]);
          await bruno.getByRole("button", { name: "Leave" }).click();
          await bruno.locator("#login-view").waitFor({ state: "visible", timeout: WAIT_MS });
          await waitForMessage(anna, "presence", "bruno has disconnected");
          await waitForOnline(anna, ["alice", "anna", "erin"]);
          alice.write("LIST\n");
          assert.equal(await alice.next(WAIT_MS), "LIST-OK alice,erin,anna");

          // No CSP violation and no error on either page so far.
          for (const { page, problems } of [a, b]) {
            assert.deepEqual(await cspViolations(page), [], "the page runs under its CSP");
            assert.deepEqual(problems, [], "the page ran without errors");
          }

          // The connection goes away, and the server refuses her for a while (her address
          // is at its connection limit: alice's lab connection is the one it allows): anna
          // waits, tries again with growing pauses, and is back under her name.
          const refusedBefore = refusedBcs();
          hub.running.setLimits({ maxConnectionsPerAddress: 1 });
          setTimeout(() => hub.running.setLimits({ maxConnectionsPerAddress: DEFAULT_LIMITS.maxConnectionsPerAddress }), 2500).unref();
          [...hub.running.hub.members()].find((m) => m.name === "anna")!.disconnect("socket_error");
          await anna.waitForFunction(() => /Reconnecting in \d+ s…$/.test(document.getElementById("banner-text")?.textContent ?? ""), undefined, { timeout: WAIT_MS });
          assert.equal(await anna.locator("#send").isDisabled(), true, "nothing can be sent while disconnected");
          await waitForMessage(anna, "local", "Reconnected.");
          await anna.waitForFunction(() => document.getElementById("connection")?.textContent === "Online as anna", undefined, { timeout: WAIT_MS });
          assert.ok(refusedBcs() - refusedBefore >= 1, `refused, then tried again (${refusedBcs() - refusedBefore} refused)`);
          assert.equal(await anna.locator("#banner").isHidden(), true);
          await waitForOnline(anna, ["alice", "anna", "erin"]);
          await say(anna, "back again ↻");
          assert.equal(await alice.next(WAIT_MS), "DELIVERY anna back again ↻");
          await udpPublic(erin, "anna", "back again ↻");
          // A refused attempt may show in the console as a failed WebSocket; nothing else may.
          assert.deepEqual(
            a.problems.filter((p) => !/WebSocket connection to '.*\/ws\/bcs' failed/.test(p)),
            [],
            "only the refused attempts were errors",
          );
          assert.deepEqual(await cspViolations(anna), []);
        } finally {
          await browser.dispose();
          alice.close();
          erin.close();
          dave?.close();
        }
      },
    ),
  );
});
