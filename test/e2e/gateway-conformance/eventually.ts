/**
 * Upstream's MakeRequestAndExpectEventuallyConsistentResponse, bounded in
 * time and in count: the attempt is repeated until what it returns has had
 * no problems `consecutive` times in a row (upstream's
 * RequiredConsecutiveSuccesses, 3): one lucky answer is not enough, since
 * without the route a round robin over the Service's two endpoints would
 * give the expected pod every other time. Routes are applied before a case
 * runs (applyRoutes waits for the agents), so the first attempts normally
 * pass; the retry covers a change still settling, not a wrong answer (that
 * fails at the deadline, with the last answer's problems).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface EventuallyOptions {
  timeoutMs?: number;
  maxAttempts?: number;
  pauseMs?: number;
  /** default 3 */
  consecutive?: number;
}

export class NeverConsistentError extends Error {
  constructor(what: string, attempts: number, problems: string[], last: unknown) {
    super(`${what}: still wrong after ${attempts} attempts:\n  ${problems.join('\n  ')}\nlast answer: ${JSON.stringify(last, null, 1).slice(0, 3000)}`);
  }
}

export async function eventually<T>(what: string, attempt: () => Promise<T>, problemsOf: (value: T) => string[], options: EventuallyOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const maxAttempts = options.maxAttempts ?? 40;
  let problems: string[] = [];
  const consecutive = options.consecutive ?? 3;
  let last: T | undefined;
  let good = 0;
  for (let attempts = 1; ; attempts++) {
    last = await attempt();
    problems = problemsOf(last);
    good = problems.length === 0 ? good + 1 : 0;
    if (good >= consecutive) return last;
    if (attempts >= maxAttempts || Date.now() >= deadline) throw new NeverConsistentError(what, attempts, problems, last);
    if (good === 0) await sleep(options.pauseMs ?? 200);
  }
}
