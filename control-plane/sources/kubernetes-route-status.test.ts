/**
 * Route status written to the API as the Gateway API has it, against the
 * wire-format stand-in (its status subresource): one status.parents entry
 * per parentRef under Weft's controller, Accepted and ResolvedRefs with
 * the spec's reasons, a rejected route said to be so, other controllers'
 * entries kept, nothing written again while nothing changed, and
 * observedGeneration following a spec edit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { logger } from '../../core/log.js';
import { routeControllerName } from '../../model/route-status.js';
import { customResource, namespace, service } from '../../test/kube-standin/fixtures.js';
import type { KubeObject } from '../../test/kube-standin/kube-object.js';
import { KubeStandin } from '../../test/kube-standin/kube-standin.js';
import { ObjectStore } from '../../test/kube-standin/object-store.js';
import { waitFor } from '../../test/kube-standin/wait-for.js';
import { KubernetesSource } from './kubernetes-source.js';

const log = logger('route-status-test');
const gateway = 'gateway.networking.k8s.io/v1';
const route = (name: string, parent: string, backend: string, extra: Record<string, unknown> = {}) =>
  customResource(gateway, 'HTTPRoute', 'shop', name, {
    parentRefs: [{ group: '', kind: 'Service', name: parent, port: parent === 'db' ? 5432 : 9080 }],
    rules: [{ backendRefs: [{ name: backend, port: 9080 }], ...extra }],
  });

interface StatusCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}
interface ParentStatus {
  controllerName: string;
  parentRef: Record<string, unknown>;
  conditions: StatusCondition[];
}

describe('Kubernetes mode: route status.parents', () => {
  let standin: KubeStandin;
  let source: KubernetesSource;
  const get = (name: string) => standin.store.get(ObjectStore.typeOf({ apiVersion: gateway, kind: 'HTTPRoute' }), 'shop', name);
  const ours = (name: string): ParentStatus[] =>
    ((routeObject(name)?.status as { parents?: ParentStatus[] } | undefined)?.parents ?? []).filter((p) => p.controllerName === routeControllerName);
  const routeObject = (name: string): KubeObject | undefined => get(name);
  const conditions = (name: string) => ours(name).map((p) => p.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`));
  const statusWrites = () => standin.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('/status')).length;

  before(async () => {
    standin = await KubeStandin.start();
    standin.put(namespace('shop', { 'weft.dev/mesh': 'enabled' }));
    standin.put(service({ name: 'reviews', namespace: 'shop', clusterIP: '10.96.0.20', selector: { app: 'reviews' }, ports: [{ name: 'http', port: 9080, appProtocol: 'http' }] }));
    standin.put(service({ name: 'db', namespace: 'shop', clusterIP: '10.96.0.30', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] }));
    const good = route('good', 'reviews', 'reviews');
    // Another implementation's entry on the same route: never Weft's to touch.
    good.status = { parents: [{ controllerName: 'example.com/other', parentRef: { kind: 'Service', name: 'reviews' }, conditions: [] }] };
    standin.put(good);
    standin.put(route('on-tcp', 'db', 'reviews'));
    standin.put(route('to-nowhere', 'reviews', 'ratings'));
    standin.put(route('broken', 'reviews', 'reviews', { matches: [{ path: { type: 'RegularExpression', value: '/api/(v1' } }] }));
    source = new KubernetesSource({ server: standin.url, log, retry: { baseMs: 50, capMs: 500 } });
    const result = await source.start();
    await source.reportRouteStatus(result.config, result.issues);
  });
  after(async () => {
    source?.close();
    await standin?.close();
  });

  it('a route on an HTTP port with its backends: Accepted and ResolvedRefs True, one entry per parentRef, other controllers kept', () => {
    assert.deepEqual(conditions('good'), [['Accepted=True/Accepted', 'ResolvedRefs=True/ResolvedRefs']]);
    const [parent] = ours('good');
    assert.deepEqual(parent!.parentRef, { group: '', kind: 'Service', name: 'reviews', namespace: 'shop', port: 9080 });
    assert.equal(parent!.conditions[0]!.observedGeneration, 1);
    assert.ok(!Number.isNaN(Date.parse(parent!.conditions[0]!.lastTransitionTime)));
    const all = (routeObject('good')!.status as { parents: ParentStatus[] }).parents;
    assert.ok(all.some((p) => p.controllerName === 'example.com/other'), 'the other controller\'s entry is still there');
  });

  it('only on a TCP port: Accepted False (UnsupportedValue); a backend that does not exist: ResolvedRefs False (BackendNotFound)', () => {
    assert.deepEqual(conditions('on-tcp'), [['Accepted=False/UnsupportedValue', 'ResolvedRefs=True/ResolvedRefs']]);
    assert.deepEqual(conditions('to-nowhere'), [['Accepted=True/Accepted', 'ResolvedRefs=False/BackendNotFound']]);
    assert.match(ours('to-nowhere')[0]!.conditions[1]!.message, /Service shop\/ratings port 9080 does not exist/);
  });

  it('a route the control plane rejects: Accepted False, naming the field and the error', () => {
    assert.deepEqual(conditions('broken'), [['Accepted=False/UnsupportedValue']]);
    assert.match(ours('broken')[0]!.conditions[0]!.message, /^rejected: spec\.rules\[0\]\.matches\[0\]\.path\.value: .*not a valid regular expression/);
  });

  it('nothing changed: nothing written again; a spec edit: written once more, with the new observedGeneration', async () => {
    const before = statusWrites();
    await source.reportRouteStatus(source.current().config, source.current().issues);
    assert.equal(statusWrites(), before, 'the same status is not written twice');
    const edited = route('good', 'reviews', 'reviews', { timeouts: { request: '2s' } });
    edited.status = routeObject('good')!.status;
    standin.put(edited);
    await waitFor('the edited route in the config', () => source.current().config.httpRoutes.find((r) => r.name === 'good')?.rules[0]?.timeouts?.requestMs === 2000, 5000);
    await source.reportRouteStatus(source.current().config, source.current().issues);
    assert.equal(ours('good')[0]!.conditions[0]!.observedGeneration, 2);
    assert.equal(statusWrites(), before + 1);
  });
});
