/**
 * A call's own signal, aborted when any of its sources is (the engine's lifetime, the caller's
 * run). Each source gets one listener however many calls depend on it: removing a listener from
 * an AbortSignal scans all of its listeners, so thousands of calls each adding and removing their
 * own on one run-wide signal cost time quadratic in the calls in flight (a quarter of a
 * millisecond a call at 20,000 queued calls, bench/engineThroughput.bench.ts). Here a call joins
 * and leaves its sources' sets instead, in constant time.
 */
const dependents = new WeakMap<AbortSignal, Set<AbortController>>();

export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** The call is over: its sources no longer need to reach it. */
  release(): void;
}

export function linkedSignal(first: AbortSignal, second?: AbortSignal): LinkedSignal {
  const controller = new AbortController();
  if (first.aborted || second?.aborted) {
    controller.abort(first.aborted ? first.reason : second?.reason);
    return { signal: controller.signal, release: () => undefined };
  }
  const firstSet = join(first, controller);
  const secondSet = second ? join(second, controller) : undefined;
  return {
    signal: controller.signal,
    release: () => {
      firstSet.delete(controller);
      secondSet?.delete(controller);
    },
  };
}

function join(source: AbortSignal, controller: AbortController): Set<AbortController> {
  let set = dependents.get(source);
  if (!set) {
    const joined = new Set<AbortController>();
    set = joined;
    dependents.set(source, joined);
    source.addEventListener(
      'abort',
      () => {
        for (const dependent of [...joined]) dependent.abort(source.reason);
        joined.clear();
      },
      { once: true },
    );
  }
  set.add(controller);
  return set;
}
