/** An operational log that keeps its records in memory, for tests that check what is logged. */
import { pino, type Logger } from "pino";

export interface LogRecord {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export function captureLog(): { log: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const log = pino({ level: "debug", base: undefined }, { write: (line: string) => void records.push(JSON.parse(line) as LogRecord) });
  return { log, records };
}
