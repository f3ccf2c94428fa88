/** Kubernetes' rule for label keys, shared by every check of labels and selectors. */
const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes' rule for label keys: `[prefix/]name`, prefix a DNS subdomain. */
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'a label key has at most one "/"';
  const name = parts.at(-1) ?? '';
  if (name.length > 63 || !labelName.test(name)) {
    return "a label key's name must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  }
  const prefix = parts.length === 2 ? (parts[0] ?? '') : undefined;
  if (prefix !== undefined && (prefix.length > 253 || !dnsSubdomain.test(prefix))) {
    return "a label key's prefix must be a DNS subdomain such as weft.dev";
  }
  return undefined;
}
