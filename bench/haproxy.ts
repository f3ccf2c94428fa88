/**
 * The control paths: one HAProxy hop in TCP mode, and for the L7 paths one
 * in HTTP mode on the same single route (Debian's package, its
 * defaults otherwise, so as many threads as the machine has cores), running
 * in node-1's namespace the way a node-local proxy would, forwarding each
 * port to the server pod on node-2.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Testbed } from '../testbed/testbed.js';
import { waitForListening } from './pod-process.js';
import { commandLine } from './proc-stats.js';

export interface Forward {
  name: string;
  listenPort: number;
  target: { ip: string; port: number };
  /** `http`: HAProxy parses every request and routes it by the same one rule as the mesh's HTTPRoute (path prefix /) */
  mode?: 'tcp' | 'http';
}

export function haproxyConfig(bindIp: string, forwards: Forward[], maxConnections: number): string {
  const lines = [
    'global',
    `  maxconn ${maxConnections}`,
    'defaults',
    '  mode tcp',
    `  maxconn ${maxConnections}`,
    '  timeout connect 5s',
    // the held-connection measurement keeps connections idle for a while
    '  timeout client 10m',
    '  timeout server 10m',
  ];
  for (const forward of forwards) {
    if (forward.mode === 'http') {
      // Keep-alive both ways (HAProxy's default in http mode), one route: what the L7 paths' HTTPRoute does.
      lines.push(
        `frontend ${forward.name}`,
        '  mode http',
        `  bind ${bindIp}:${forward.listenPort}`,
        '  acl routed path_beg /',
        `  use_backend ${forward.name}-backend if routed`,
        `backend ${forward.name}-backend`,
        '  mode http',
        `  server ${forward.name}-0 ${forward.target.ip}:${forward.target.port}`,
      );
      continue;
    }
    lines.push(`listen ${forward.name}`, `  bind ${bindIp}:${forward.listenPort}`, `  server ${forward.name}-0 ${forward.target.ip}:${forward.target.port}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Starts haproxy in the foreground (-db) in the node's namespace; resolves once every port listens. */
export async function startHaproxy(bed: Testbed, node: string, forwards: Forward[], maxConnections: number): Promise<ChildProcess> {
  const { ip, netns } = bed.node(node);
  const file = join(bed.runDir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(ip, forwards, maxConnections));
  const child = bed.spawnInNode(node, ['haproxy', '-db', '-f', file]);
  await waitForListening(bed, child, netns, forwards.map((f) => `${ip}:${f.listenPort}`), 10_000, 'haproxy');
  if (!commandLine(child.pid!).startsWith('haproxy')) throw new Error(`pid ${child.pid} is not haproxy: ${commandLine(child.pid!)}`);
  return child;
}
