/** Why an address cannot be a pod IP or a Service VIP, if it cannot. */
export function unusableAddress(ip: string): string | undefined {
  const first = Number(ip.split('.')[0]);
  if (first === 0) return 'is in 0.0.0.0/8, which means "this host"';
  if (first === 127) return 'is a loopback address';
  if (first >= 224 && first <= 239) return 'is a multicast address';
  if (first >= 240) return 'is a reserved or broadcast address';
  return undefined;
}
