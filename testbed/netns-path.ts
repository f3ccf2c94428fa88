/** Where `ip netns add NAME` bind-mounts a namespace. */
export function netnsPath(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new Error(`not a network namespace name: ${JSON.stringify(name)}`);
  return `/run/netns/${name}`;
}
