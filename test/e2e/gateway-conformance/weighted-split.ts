/**
 * A bound for a weighted split that cannot flake and still means something.
 * Each request picks a backend independently with probability w = weight /
 * total, so over n requests a backend's count is Binomial(n, w): mean n·w,
 * sd sqrt(n·w·(1-w)). A count outside mean ± 5 sd happens with probability
 * below 6e-7 per backend; upstream's check (weight.TestWeightedDistribution)
 * allows a fixed ±5 % of n, and retries. The bound must also reject what a
 * proxy that ignored the weights would do (round robin over the Service's
 * endpoints: an even split), or the test proves nothing: `rejects` says so.
 */

export interface SplitBound {
  expected: number;
  low: number;
  high: number;
}

export function binomialBound(requests: number, probability: number, sigmas = 5): SplitBound {
  const expected = requests * probability;
  const sd = Math.sqrt(requests * probability * (1 - probability));
  return { expected, low: Math.ceil(expected - sigmas * sd), high: Math.floor(expected + sigmas * sd) };
}

/** Problems with `counts` (backend -> requests) against the weights; [] when every count is within its bound. */
export function splitProblems(counts: Record<string, number>, weights: Record<string, number>, sigmas = 5): string[] {
  const total = Object.values(weights).reduce((sum, weight) => sum + weight, 0);
  const requests = Object.values(counts).reduce((sum, count) => sum + count, 0);
  const problems: string[] = [];
  for (const name of Object.keys(counts)) if (!(name in weights)) problems.push(`${name} answered ${counts[name]} requests; it has no weight`);
  for (const [name, weight] of Object.entries(weights)) {
    const count = counts[name] ?? 0;
    const bound = binomialBound(requests, weight / total, sigmas);
    if (count < bound.low || count > bound.high) {
      problems.push(`${name}: ${count} of ${requests}, want ${bound.low}..${bound.high} (weight ${weight}/${total}, expected ${bound.expected.toFixed(1)})`);
    }
  }
  return problems;
}

/** Whether an even split of `requests` over the weighted backends would fail the bound. */
export function rejectsEvenSplit(requests: number, weights: Record<string, number>, sigmas = 5): boolean {
  const names = Object.keys(weights).filter((name) => weights[name]! > 0);
  const even = Object.fromEntries(names.map((name) => [name, requests / names.length]));
  return splitProblems(even, weights, sigmas).length > 0;
}

/** How many answers each pod gave ('no answer' for none), for the split and keep-alive checks. */
export function countByPod(pods: (string | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const pod of pods) counts[pod ?? 'no answer'] = (counts[pod ?? 'no answer'] ?? 0) + 1;
  return counts;
}
