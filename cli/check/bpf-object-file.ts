/** Is a file an eBPF ELF object? A stale or foreign .o would only fail later, at load. */
import { closeSync, openSync, readSync } from 'node:fs';

const EM_BPF = 247;

export function isBpfElf(path: string): boolean {
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, header, 0, header.length, 0) < header.length) return false;
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46) return false; // "\x7fELF"
  // e_ident[EI_DATA]: 1 little-endian, 2 big-endian; e_machine sits at offset 18.
  const machine = header[5] === 2 ? header.readUInt16BE(18) : header.readUInt16LE(18);
  return machine === EM_BPF;
}
