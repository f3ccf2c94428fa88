/**
 * Live runs are torn down when the process exits or is told to stop. Handlers
 * are installed once per process; a signal exits with 128 + its number after
 * cleaning up, as the shell would have reported it.
 */
const live = new Map<string, () => void>();
let installed = false;

const signals: Array<[NodeJS.Signals, number]> = [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
];

export function registerLiveRun(prefix: string, teardownSync: () => void): void {
  live.set(prefix, teardownSync);
  if (installed) return;
  installed = true;
  process.on('exit', tearDownAll);
  for (const [signal, code] of signals) {
    process.on(signal, () => {
      tearDownAll();
      process.exit(code);
    });
  }
}

export function unregisterLiveRun(prefix: string): void {
  live.delete(prefix);
}

function tearDownAll(): void {
  for (const [prefix, teardownSync] of [...live]) {
    live.delete(prefix);
    try {
      teardownSync();
    } catch (error) {
      process.stderr.write(`weft testbed: ${(error as Error).message}\n`);
    }
  }
}
