/**
 * A rule's backendRefs split traffic by weight: each request goes to one
 * ref with probability weight / sum of weights. A ref of weight 0 never gets
 * any; refs that are all 0 (or none) leave nothing to pick, which the spec
 * answers with a 500. The random source is a parameter so a test can pin it.
 */
export function pickBackend<R extends { weight: number }>(refs: readonly R[], random: () => number = Math.random): R | undefined {
  const total = refs.reduce((sum, ref) => sum + Math.max(0, ref.weight), 0);
  if (total === 0) return undefined;
  let point = random() * total;
  let last: R | undefined;
  for (const ref of refs) {
    if (ref.weight <= 0) continue;
    if (point < ref.weight) return ref;
    point -= ref.weight;
    last = ref;
  }
  // Only a random() that returned 1 (or floating-point dust) gets here: the last ref that has weight.
  return last;
}
