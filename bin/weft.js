#!/usr/bin/env node
// The node agent runs with Node 20's young generation (16 MiB per semi-space). Node 24 sizes it
// from the heap limit, and for a proxy that holds thousands of idle connections that cost
// 6-8 KiB more RSS per connection and 60-140 MiB more after load (npm run bench, old and new
// code on Node 24 against Node 20). The flag must be set before V8 starts, so `weft agent`
// replaces itself (same pid) with a node that has it, unless one was given.
const semiSpaceFlag = '--max-semi-space-size';
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((arg) => arg.startsWith(semiSpaceFlag));
if (process.argv[2] === 'agent' && !given && typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, `${semiSpaceFlag}=16`, ...process.execArgv, ...process.argv.slice(1)], process.env);
}
await import('../dist/cli/main.js');
