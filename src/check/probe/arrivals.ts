/**
 * The wait every probe does between looks at what it has received: until something
 * arrives (bytes, a datagram, a connection, or the end) or the time left is up,
 * whichever comes first. The probe calls `notify()` from its event handlers.
 */
export class Arrivals {
  private wake: (() => void) | undefined;

  /** Something arrived: end the wait in progress, if any. */
  notify(): void {
    this.wake?.();
  }

  /** Resolves at the next `notify()`, or after `ms`. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        this.wake = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
