/**
 * `node tcp-to-unix.js HOST PORT SOCKET`: accepts TCP on HOST:PORT and pipes
 * each connection to the Unix socket SOCKET. Run inside a testbed node's
 * namespace, it lets an agent there dial a control plane in the machine's
 * own namespace (which no node can route to) through the file system.
 */
import { connect, createServer } from 'node:net';

const [host, port, socket] = process.argv.slice(2);
if (!host || !port || !socket) {
  process.stderr.write('usage: tcp-to-unix HOST PORT SOCKET\n');
  process.exit(2);
}
const server = createServer((client) => {
  const upstream = connect(socket);
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(Number(port), host, () => process.stdout.write(`${JSON.stringify({ msg: 'forwarding', host, port: Number(port), socket })}\n`));
