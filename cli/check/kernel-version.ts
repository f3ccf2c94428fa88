/** Kernel releases as uname prints them: "6.1.0-18-amd64", "5.10.0", "6.18.44-fc-v769". */

export interface KernelVersion {
  major: number;
  minor: number;
  patch: number;
}

export function parseKernelRelease(release: string): KernelVersion | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

export function isAtLeast(version: KernelVersion, major: number, minor: number): boolean {
  return version.major !== major ? version.major > major : version.minor >= minor;
}
