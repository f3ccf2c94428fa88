/**
 * The CustomResourceDefinitions of Weft's own kinds, derived from the
 * schemas the validator checks (kinds.ts) so that the cluster and
 * `weft config validate` accept the same objects. Which kinds: the
 * weft.dev resources the Kubernetes source watches (AuthorizationPolicy,
 * PeerAuthentication). HTTPRoute and GRPCRoute are the Gateway API's
 * (their CRDs come from that project), and Workload is file mode's
 * stand-in for a Pod, never read from a cluster.
 *
 * `scripts/gen-crds.js` writes crdFiles() to deploy/crds/; a test fails
 * when the files there differ from what this produces.
 */
import { stringify } from 'yaml';
import { type WatchedKind, type WatchedResource, watchedResources } from '../sources/kubernetes-resources.js';
import { type StructuralSchema, toStructuralSchema } from './crd-schema.js';
import { isSupportedKind, supportedKinds } from './kinds.js';

export const WEFT_GROUP = 'weft.dev';

/** `kubectl get weft` lists every Weft object. No short names: Istio's kinds have the same names. */
const category = 'weft';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
}

/** What `kubectl get` shows besides the name (and Age, always last). */
const printerColumns: Partial<Record<WatchedKind, PrinterColumn[]>> = {
  AuthorizationPolicy: [{ name: 'Action', type: 'string', jsonPath: '.spec.action', description: 'ALLOW, DENY or AUDIT' }],
  PeerAuthentication: [{ name: 'Mode', type: 'string', jsonPath: '.spec.mtls.mode', description: 'the mTLS mode of the selected workloads' }],
};

const kindDescriptions: Partial<Record<WatchedKind, string>> = {
  AuthorizationPolicy:
    "Who may call the selected workloads: Istio's security.istio.io AuthorizationPolicy without JWT and custom providers. An empty spec (ALLOW, no rules) denies everything.",
  PeerAuthentication: "The mTLS mode the selected workloads accept (STRICT, PERMISSIVE), as Istio's PeerAuthentication; in weft-system it is mesh-wide.",
};

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; categories: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: StructuralSchema };
    }>;
  };
}

/** The weft.dev resources the Kubernetes source reads, with their schemas. */
export function weftCustomResources(): Array<WatchedResource & { kind: WatchedKind }> {
  return watchedResources.filter((resource) => resource.group === WEFT_GROUP && isSupportedKind(resource.kind));
}

/**
 * The CRD's schema: the validator's, except at the root. There the API
 * server allows no restriction of metadata beyond name (it validates
 * ObjectMeta itself), and apiVersion and kind are plain strings it sets.
 */
function openApiSchema(resource: WatchedResource): StructuralSchema {
  if (!isSupportedKind(resource.kind)) throw new Error(`${resource.kind} has no manifest schema`);
  const schema = toStructuralSchema(supportedKinds[resource.kind].schema);
  const properties: Record<string, StructuralSchema> = {
    apiVersion: { description: 'weft.dev/v1alpha1', type: 'string' },
    kind: { description: resource.kind, type: 'string' },
    metadata: { type: 'object' },
  };
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    if (!(name in properties)) properties[name] = child;
  }
  const description = kindDescriptions[resource.kind];
  return {
    ...(description ? { description } : {}),
    type: 'object',
    ...(schema.required ? { required: schema.required.filter((name) => !['apiVersion', 'kind', 'metadata'].includes(name)) } : {}),
    properties,
  };
}

export function customResourceDefinition(resource: WatchedResource): CustomResourceDefinition {
  const singular = resource.kind.toLowerCase();
  const schema = openApiSchema(resource);
  if (schema.required?.length === 0) delete schema.required;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${resource.plural}.${resource.group}`,
      labels: { 'app.kubernetes.io/name': 'weft', 'app.kubernetes.io/part-of': 'weft' },
    },
    spec: {
      group: resource.group,
      names: { kind: resource.kind, listKind: `${resource.kind}List`, plural: resource.plural, singular, categories: [category] },
      scope: 'Namespaced',
      versions: [
        {
          name: resource.version,
          served: true,
          storage: true,
          additionalPrinterColumns: [
            ...(printerColumns[resource.kind] ?? []),
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: { openAPIV3Schema: schema },
        },
      ],
    },
  };
}

/** deploy/crds/<file> -> its text: one CRD a file, named as controller-gen names them. */
export function crdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const resource of weftCustomResources()) {
    const header =
      `# Generated by scripts/gen-crds.js from control-plane/manifests/schema/ (the schemas \`weft config validate\` uses).\n` +
      `# Do not edit: change the schema, rebuild, and run \`node scripts/gen-crds.js\`.\n`;
    // lineWidth 0: no folding, so a description change is a one-line diff.
    files.set(`${resource.group}_${resource.plural}.yaml`, header + stringify(customResourceDefinition(resource), { lineWidth: 0 }));
  }
  return files;
}
