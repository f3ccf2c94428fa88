/**
 * Memory per idle connection: each hop's VmRSS with nothing open, then with
 * N idle connections held through the path (each proven end to end by the
 * server's first byte), then released. Also counts the TLS handshakes the
 * tunnel pool needed to carry them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Testbed } from '../testbed/testbed.js';
import { meshCounters } from './agent-scrape.js';
import type { PathRoute } from './bench-mesh.js';
import type { HeldRecord, PerHop } from './bench-records.js';
import { rssSnapshot } from './hop-cpu.js';
import { waitForEvent, waitForExit } from './pod-process.js';
import { spread } from './stats.js';

const holder = fileURLToPath(new URL('./programs/hold-connections.js', import.meta.url));
/** for the proxies to finish with the last connects before RSS is read */
const settleMs = 1000;
/** RSS moves with garbage collection: the median of samples over a couple of seconds */
const rssSamples = 9;
const rssSampleGapMs = 250;

async function settledRss(route: PathRoute): Promise<PerHop> {
  const samples: PerHop[] = [];
  for (let i = 0; i < rssSamples; i++) {
    if (i > 0) await sleep(rssSampleGapMs);
    samples.push(rssSnapshot(route.hops));
  }
  return Object.fromEntries(route.hops.map((hop) => [hop.name, spread(samples.map((s) => s[hop.name]!))!.median]));
}

export async function measureHeld(bed: Testbed, route: PathRoute, count: number): Promise<HeldRecord> {
  await sleep(settleMs);
  const rssBeforeKib = await settledRss(route);
  const before = await meshCounters(bed);
  const { host, port } = route.to.hold;
  const child = bed.spawnInPod(
    route.clientPod,
    [process.execPath, holder, '--host', host, '--port', String(port), '--count', String(count), '--concurrency', '200', '--hold-ms', '180000'],
    { stdin: 'pipe' },
  );
  try {
    const held = await waitForEvent(bed, child, 'held', 150_000);
    await sleep(settleMs);
    const rssHeldKib = await settledRss(route);
    const after = await meshCounters(bed);
    const kibPerConnection = Object.fromEntries(
      route.hops.map((hop) => [hop.name, held.held > 0 ? (rssHeldKib[hop.name]! - rssBeforeKib[hop.name]!) / held.held : NaN]),
    );
    return {
      path: route.name,
      held: held.held,
      failed: held.failed,
      openMs: held.elapsedMs,
      rssBeforeKib,
      rssHeldKib,
      kibPerConnection,
      handshakes: after.handshakes - before.handshakes,
    };
  } finally {
    child.stdin?.end();
    await waitForExit(bed, child, 30_000, 'connection holder').catch(() => child.kill('SIGKILL'));
    // the proxies close their side of every connection before the next measurement
    await sleep(settleMs);
  }
}
