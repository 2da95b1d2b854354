/**
 * Answers that may have to wait. A port implemented in this process answers at once
 * (a plain value); one that asks the network (a cluster's name registry, accounts or
 * offline mail) answers with a Promise. Callers take both, and on the hot path test
 * which they got before allocating anything, so the local implementations cost no
 * promise, closure or microtask per message.
 */
export type Answer<T> = T | Promise<T>;

/** True when `answer` is still to come. Pending answers are native Promises (what async functions return). */
export function isPending<T>(answer: Answer<T>): answer is Promise<T> {
  return answer instanceof Promise;
}

/**
 * `onValue(value)` now when `answer` is a plain value (on the caller's stack: a throw
 * reaches the caller), otherwise once it settles, or `onError(err)` if it rejects.
 */
export function whenAnswered<T>(answer: Answer<T>, onValue: (value: T) => void, onError: (err: unknown) => void): void {
  if (isPending(answer)) answer.then(onValue, onError);
  else onValue(answer);
}

/**
 * `then(value)` applied to `answer`: at once for a plain value, after it for a pending
 * one. For chaining steps inside core without making a synchronous answer pending.
 */
export function mapAnswer<T, U>(answer: Answer<T>, then: (value: T) => Answer<U>): Answer<U> {
  return isPending(answer) ? answer.then(then) : then(answer);
}
