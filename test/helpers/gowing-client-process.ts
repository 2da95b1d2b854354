/**
 * The gowing client as a child process for tests: an Interactive seen as raw text (its
 * prompts end without a newline), waited on by substring or pattern.
 */
import type { ChildProcess } from "node:child_process";
import { Interactive, type Stream } from "./interactive.js";
import { CLI } from "./server.js";

/** For afterEach: kill what a failed test left running. */
export function killGowingClients(): void {
  Interactive.killAll();
}

export class GowingClientProcess {
  private constructor(private readonly client: Interactive) {}

  /** `switchboard client gowing <host> <name> --port <port>` with extra args appended. */
  static start(port: number, name: string, ...extra: string[]): GowingClientProcess {
    return new GowingClientProcess(new Interactive(CLI("switchboard"), ["client", "gowing", "127.0.0.1", name, "--port", String(port), ...extra]));
  }

  get child(): ChildProcess {
    return this.client.child;
  }

  get exited(): Promise<number | null> {
    return this.client.exited;
  }

  /** All of stdout so far, as text. */
  get out(): string {
    return this.client.text.out;
  }

  /** All of stderr so far, as text. */
  get err(): string {
    return this.client.text.err;
  }

  /** Resolves once stdout (or stderr) contains `match`; fails after `ms`. */
  waitFor(match: string | RegExp, ms = 8000, stream: Stream = "out"): Promise<void> {
    return this.client.waitForText(match, ms, stream);
  }

  type(line: string): void {
    this.client.type(line);
  }

  endInput(): void {
    this.client.endInput();
  }

  /** The exit code; fails if the process is still running after `ms`. */
  exit(ms = 10_000): Promise<number | null> {
    return this.client.exit(ms);
  }

  dump(): string {
    return this.client.dump();
  }
}
