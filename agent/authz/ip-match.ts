/**
 * ipBlocks and IP conditions: an address in a CIDR block (a bare address is
 * its /32). Validation refuses what model/cidr.ts cannot parse, so an
 * unparsable block here only comes from a bypassed check; it matches nothing.
 */
import { blockContains, ipv4Number, parseCidr } from '../../model/cidr.js';

export function compileIpMatch(block: string): (ip: string | undefined) => boolean {
  const parsed = parseCidr(block);
  if (parsed === undefined) return () => false;
  return (ip) => {
    const number = ip === undefined ? undefined : ipv4Number(ip);
    return number !== undefined && blockContains(parsed, number);
  };
}
