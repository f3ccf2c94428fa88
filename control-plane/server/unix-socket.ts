/**
 * A control plane that crashed leaves its Unix socket file behind, and binding
 * over it fails. The file is removed only when it is a socket nobody answers
 * on: a live control plane on the same path is an error, not something to
 * take over.
 */
import { lstat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { ControlPlaneListenError } from './server-errors.js';

const probeTimeoutMs = 1_000;

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (live: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(live);
    };
    const timer = setTimeout(() => done(true), probeTimeoutMs); // a listener too busy to accept is still a listener
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat) return;
  if (!stat.isSocket()) throw new ControlPlaneListenError(`unix:${path}`, `${path} exists and is not a socket`);
  if (await answers(path)) throw new ControlPlaneListenError(`unix:${path}`, `another server is listening on ${path}`);
  await unlink(path);
}
