/** The bcs client's transfer progress bar (src/clients/bcs/progress.ts), with fake timers and clock. */
import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import { formatProgress, NO_PROGRESS, ProgressBar, progressBars } from "../../src/clients/bcs/progress.js";
import type { StatusLine } from "../../src/clients/shared/terminal.js";

const MB = 1024 * 1024;

/** A status line that records what it was asked to show. */
class RecordedLine implements StatusLine {
  readonly columns = 80;
  readonly shown: string[] = [];
  /** What each clearStatus left as a line (undefined: nothing). */
  readonly cleared: (string | undefined)[] = [];
  setStatus(text: string): void {
    this.shown.push(text);
  }
  clearStatus(finalLine?: string): void {
    this.cleared.push(finalLine);
  }
}

describe("formatProgress", () => {
  it("shows name, bar, percent, bytes and rate", () => {
    assert.equal(formatProgress("notes.pdf", 2 * MB, 4 * MB, 1.5 * MB, 80), "notes.pdf [###############...............]  50%  2 MB / 4 MB  1.5 MB/s");
    assert.equal(formatProgress("a.bin", 0, 1000, 0, 80), "a.bin [..............................]   0%  0 B / 1000 B  0 B/s");
    assert.equal(formatProgress("a.bin", 1000, 1000, 10_000, 80), "a.bin [##############################] 100%  1000 B / 1000 B  9.8 KB/s");
  });

  it("calls an empty file done, and never shows more than 100%", () => {
    assert.match(formatProgress("empty", 0, 0, 0, 80), /\[#{30}\] 100%/);
    assert.match(formatProgress("x", 5, 4, 0, 80), /\[#{30}\] 100%/);
  });

  it("fits the terminal: the bar shrinks, then goes, and a long name is cut", () => {
    const narrow = formatProgress("notes.pdf", 2 * MB, 4 * MB, MB, 50);
    assert.ok(narrow.length < 50, narrow);
    assert.match(narrow, /^notes\.pdf \[#+\.+\]  50%/);
    assert.equal(formatProgress("notes.pdf", 2 * MB, 4 * MB, MB, 30), "notes.pdf  50%  2 MB / 4 MB  1 MB/s");
    const long = formatProgress("a-very-long-file-name-that-goes-on-and-on.tar.gz", 0, 10, 0, 80);
    assert.match(long, /^a-very-long-file-name\.\.\. \[/);
  });

  it("shows control characters in a name as ?", () => {
    assert.match(formatProgress("bad\x1b[2Jname", 0, 1, 0, 80), /^bad\?\[2Jname /);
  });
});

describe("ProgressBar", () => {
  function start(t: TestContext): { line: RecordedLine; bar: ProgressBar; clock: { now: number } } {
    t.mock.timers.enable({ apis: ["setInterval"] });
    const clock = { now: 0 };
    const line = new RecordedLine();
    const bar = new ProgressBar(line, "f.bin", 10 * MB, () => clock.now);
    return { line, bar, clock };
  }
  const advance = (t: TestContext, clock: { now: number }, ms: number): void => {
    clock.now += ms;
    t.mock.timers.tick(ms);
  };

  it("draws at once, then at most ten times a second however many chunks arrive", (t) => {
    const { line, bar, clock } = start(t);
    assert.equal(line.shown.length, 1);
    assert.match(line.shown[0]!, /^f\.bin \[\.{30}\]   0%  0 B \/ 10 MB/);
    for (let i = 0; i < 1000; i++) bar.add(1024); // a thousand chunks: no draw by themselves
    assert.equal(line.shown.length, 1);
    for (let ms = 0; ms < 1000; ms += 10) {
      bar.add(10 * 1024);
      advance(t, clock, 10);
    }
    assert.equal(line.shown.length, 1 + 10, "ten redraws in one second");
    assert.match(line.shown.at(-1)!, /^f\.bin \[#+\.+\]  +\d+%  [\d.]+ MB \/ 10 MB  [\d.]+ MB\/s$/);
    bar.drop();
  });

  it("while stalled, redraws once a second so the rate falls", (t) => {
    const { line, bar, clock } = start(t);
    bar.add(MB);
    advance(t, clock, 100);
    assert.equal(line.shown.length, 2);
    assert.match(line.shown[1]!, / 10 MB\/s$/);
    advance(t, clock, 800);
    assert.equal(line.shown.length, 2, "nothing moved: no redraw");
    advance(t, clock, 200);
    assert.equal(line.shown.length, 3);
    assert.match(line.shown[2]!, / 9\d\d\.\d KB\/s$/, "1 MB in about 1.1 s");
    bar.drop();
  });

  it("done shows 100% and keeps it as a line; nothing is drawn after", (t) => {
    const { line, bar, clock } = start(t);
    bar.add(3 * MB);
    advance(t, clock, 1000);
    bar.done();
    assert.equal(line.cleared.length, 1);
    assert.match(line.cleared[0]!, /^f\.bin \[#{30}\] 100%  10 MB \/ 10 MB  10 MB\/s$/);
    const drawn = line.shown.length;
    bar.add(MB);
    advance(t, clock, 5000);
    bar.done();
    bar.drop();
    assert.equal(line.shown.length, drawn);
    assert.equal(line.cleared.length, 1);
  });

  it("drop takes the bar away without keeping it", (t) => {
    const { line, bar, clock } = start(t);
    bar.add(MB);
    bar.drop();
    advance(t, clock, 5000);
    assert.deepEqual(line.cleared, [undefined]);
    assert.equal(line.shown.length, 1);
  });
});

describe("progressBars", () => {
  it("gives no bar when the output is not a terminal", () => {
    const line = Object.assign(new RecordedLine(), { showsStatus: false });
    assert.equal(progressBars(line)("f", 10), NO_PROGRESS);
    assert.deepEqual(line.shown, []);
  });
});
