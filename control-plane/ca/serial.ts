import { randomBytes } from 'node:crypto';

/**
 * A random certificate serial: 16 bytes (RFC 5280 allows up to 20), the
 * top bit clear so it is positive and the next one set so that it always
 * encodes to the same length; 126 random bits.
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}
