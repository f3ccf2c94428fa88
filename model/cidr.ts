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
