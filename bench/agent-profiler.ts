/**
 * Preloaded into the agents by `--profile-agents` (NODE_OPTIONS=--import,
 * since node refuses --cpu-prof there): from SIGUSR2 to exit, samples the
 * agent's JavaScript with the inspector's profiler and writes a .cpuprofile
 * (Chrome DevTools, speedscope) into WEFT_BENCH_PROFILE_DIR.
 * Not from the start: the sampler's signals make the kernel's BPF verifier
 * give up with EAGAIN, so the bench sends SIGUSR2 once the agent is ready.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.WEFT_BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  process.once('SIGUSR2', () => session.post('Profiler.start'));
  // an in-process inspector session answers synchronously, so this works inside 'exit'
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(join(dir, `agent-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
