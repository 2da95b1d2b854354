/**
 * A file transfer's progress bar, on the terminal's status line (see
 * ../shared/terminal.ts): name, bar, percent, bytes, rate. The byte count is a plain
 * field the transfer adds to; a timer redraws at most 10 times a second, so a fast
 * transfer costs nothing per chunk. When done, the bar at 100% stays as a printed line.
 * With no terminal (pipes, files) there is no bar and nothing is printed: NO_PROGRESS.
 */
import bytes from "bytes";
import type { StatusLine } from "../shared/terminal.js";
import { printable } from "./display.js";

/** What a transfer tells its progress display. */
export interface TransferProgress {
  /** `n` more bytes were sent or received. */
  add(n: number): void;
  /** The transfer succeeded: show 100% and leave it on screen. */
  done(): void;
  /** The transfer failed or was cut short: take the bar away. */
  drop(): void;
}

export const NO_PROGRESS: TransferProgress = { add() {}, done() {}, drop() {} };

/** Starts a display for a transfer of `size` bytes of file `name`. */
export type ProgressDisplay = (name: string, size: number) => TransferProgress;

/** At most this many redraws a second. */
const REDRAWS_PER_SECOND = 10;
/** The rate is redrawn this often even when no byte moved (it falls during a stall). */
const STALL_REDRAW_MS = 1000;
const BAR_WIDTH = 30;
/** Below this many cells a bar says nothing: leave it out. */
const MIN_BAR_WIDTH = 5;
const MAX_NAME_CHARS = 24;

/** Progress bars on `line` when the output is a terminal; none otherwise. */
export function progressBars(line: StatusLine & { readonly showsStatus: boolean }): ProgressDisplay {
  return line.showsStatus ? (name, size) => new ProgressBar(line, name, size) : () => NO_PROGRESS;
}

export class ProgressBar implements TransferProgress {
  private moved = 0;
  private readonly started: number;
  private readonly timer: NodeJS.Timeout;
  private drawnMoved = -1;
  private drawnAt = 0;
  private over = false;

  constructor(
    private readonly line: StatusLine,
    private readonly name: string,
    private readonly size: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
    this.draw();
    this.timer = setInterval(() => this.tick(), 1000 / REDRAWS_PER_SECOND);
    this.timer.unref(); // a bar never keeps the client alive
  }

  add(n: number): void {
    this.moved += n;
  }

  done(): void {
    if (this.end()) return;
    this.moved = this.size;
    this.line.clearStatus(this.text());
  }

  drop(): void {
    if (this.end()) return;
    this.line.clearStatus();
  }

  /** Stop the timer; true if it was already stopped. */
  private end(): boolean {
    if (this.over) return true;
    this.over = true;
    clearInterval(this.timer);
    return false;
  }

  private tick(): void {
    if (this.moved === this.drawnMoved && this.now() - this.drawnAt < STALL_REDRAW_MS) return;
    this.draw();
  }

  private draw(): void {
    this.drawnMoved = this.moved;
    this.drawnAt = this.now();
    this.line.setStatus(this.text());
  }

  private text(): string {
    const seconds = Math.max(this.now() - this.started, 1) / 1000;
    return formatProgress(this.name, this.moved, this.size, this.moved / seconds, this.line.columns);
  }
}

/**
 * `notes.pdf [###############...............]  50%  2 MB / 4 MB  1.5 MB/s`, fitted to
 * `columns` (the bar shrinks first, then goes).
 */
export function formatProgress(name: string, moved: number, size: number, perSecond: number, columns: number): string {
  const fraction = size === 0 ? 1 : Math.min(moved / size, 1);
  const shown = printable(name);
  const label = shown.length <= MAX_NAME_CHARS ? shown : `${shown.slice(0, MAX_NAME_CHARS - 3)}...`;
  const numbers = `${String(Math.floor(fraction * 100)).padStart(3)}%  ${formatBytes(moved)} / ${formatBytes(size)}  ${formatBytes(perSecond)}/s`;
  const room = columns - 1 - label.length - numbers.length - 4; // spaces and brackets
  const width = Math.min(BAR_WIDTH, room);
  if (width < MIN_BAR_WIDTH) return `${label} ${numbers}`;
  const filled = Math.floor(fraction * width);
  return `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${numbers}`;
}

function formatBytes(n: number): string {
  return bytes.format(Math.round(n), { unitSeparator: " ", decimalPlaces: 1 }) ?? `${Math.round(n)} B`;
}
