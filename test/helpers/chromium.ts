/**
 * Debian's chromium driven by playwright-core, for the browser tests. Without
 * /usr/bin/chromium a browser test is skipped, saying so, unless
 * SWITCHBOARD_REQUIRE_BROWSER=1 (CI sets it), in which case it fails.
 */
import { existsSync, rmSync } from "node:fs";
import { chromium, type BrowserContext } from "playwright-core";
import { tempDir } from "./server.js";

export const CHROMIUM = "/usr/bin/chromium";
export const BROWSER_REQUIRED = process.env["SWITCHBOARD_REQUIRE_BROWSER"] === "1";
export const BROWSER_MISSING = !existsSync(CHROMIUM);
/** The `skip` option of a browser test. */
export const BROWSER_SKIP =
  BROWSER_MISSING && !BROWSER_REQUIRED ? `${CHROMIUM} is not installed (apt-get install chromium); set SWITCHBOARD_REQUIRE_BROWSER=1 to fail instead` : false;

/** `lang` when it names a UTF-8 locale, else C.UTF-8 (which every glibc system has). */
function utf8Locale(lang: string | undefined): string {
  return lang !== undefined && /utf-?8/i.test(lang) ? lang : "C.UTF-8";
}

/** Chromium with a fresh profile, and a function that closes it and removes the profile. */
export async function launchBrowser(viewport = { width: 1000, height: 720 }): Promise<{ context: BrowserContext; dispose: () => Promise<void> }> {
  const profile = tempDir("sb-chromium-");
  try {
    // launch() refuses --user-data-dir in args: a persistent context takes the directory instead.
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      viewport,
      acceptDownloads: true,
      // Chromium reads the names of files chosen for upload in the locale's encoding: under
      // a bare environment (the C locale, as `env -i` gives CI) a file named in UTF-8
      // cannot be picked, and the page never sees the choice. A browser runs in a UTF-8
      // locale; so does this one.
      env: { ...process.env, LANG: utf8Locale(process.env["LANG"]), LC_ALL: "" },
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    return {
      context,
      dispose: async () => {
        await context.close().catch(() => undefined);
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
}
