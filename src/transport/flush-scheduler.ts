/**
 * Coalesces writes: connections that queued output in this event-loop turn are
 * flushed together once, after the I/O callbacks of the turn (setImmediate), so a
 * burst of frames to one socket leaves in one write.
 */
export interface Flushable {
  flush(): void;
}

const dirty: Flushable[] = [];
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  // Flushing may queue more (rare): those wait for the next turn.
  const batch = dirty.splice(0, dirty.length);
  for (const f of batch) f.flush();
}

export function scheduleFlush(f: Flushable): void {
  dirty.push(f);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}
