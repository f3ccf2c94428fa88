/**
 * IPv4 addresses and CIDR blocks as AuthorizationPolicy's ipBlocks and
 * conditions take them ("10.0.0.0/16", or one address). The data path is
 * IPv4 only, so an IPv6 block could never match: it is refused, not ignored.
 */
const octet = '(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])';
const ipv4 = new RegExp(`^(${octet}\\.){3}${octet}$`);

export interface CidrCheck {
  /** Why the text is not a block, if it is not. */
  error?: string;
  /** Set for a block whose address has bits set past its prefix (10.0.0.1/8): it means its network. */
  network?: string;
}

function toNumber(ip: string): number {
  return ip.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}

function toDotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function checkCidr(text: string): CidrCheck {
  const [address = '', prefix, ...extra] = text.split('/');
  if (extra.length > 0 || !ipv4.test(address)) {
    return { error: `"${text}" is not an IPv4 address or CIDR block such as 10.0.0.0/16` };
  }
  if (prefix === undefined) return {};
  if (!/^[0-9]{1,2}$/.test(prefix) || Number(prefix) > 32) {
    return { error: `"${text}" has prefix length /${prefix}; an IPv4 prefix is /0 to /32` };
  }
  const size = 2 ** (32 - Number(prefix));
  const value = toNumber(address);
  const network = value - (value % size);
  return network === value ? {} : { network: `${toDotted(network)}/${prefix}` };
}

/** An IPv4 block as numbers, for matching: addresses from `network` to `network + size - 1`. */
export interface Ipv4Block {
  network: number;
  size: number;
}

/**
 * The address as a number, or undefined when it is not IPv4. Node reports
 * peers of a dual-stack socket as `::ffff:a.b.c.d`: that is the IPv4 address.
 */
export function ipv4Number(ip: string): number | undefined {
  const address = ip.startsWith('::ffff:') ? ip.slice('::ffff:'.length) : ip;
  return ipv4.test(address) ? toNumber(address) : undefined;
}

/** A block checkCidr accepts (a bare address is its /32; host bits are dropped), or undefined. */
export function parseCidr(text: string): Ipv4Block | undefined {
  if (checkCidr(text).error) return undefined;
  const [address = '', prefix = '32'] = text.split('/');
  const size = 2 ** (32 - Number(prefix));
  const value = toNumber(address);
  return { network: value - (value % size), size };
}

export function blockContains(block: Ipv4Block, ip: number): boolean {
  return ip >= block.network && ip < block.network + block.size;
}
