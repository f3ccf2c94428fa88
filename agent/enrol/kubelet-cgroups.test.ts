import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { KubeletCgroups, kubeletLayouts, normalizeKubeletRoot, type QosClass } from './kubelet-cgroups.js';

const uid = '7f3c2a1e-9b4d-4c8e-a1f2-0d6e5b4a3c21';
const under = '7f3c2a1e_9b4d_4c8e_a1f2_0d6e5b4a3c21';

const podPath = (driver: 'systemd' | 'cgroupfs', qos: QosClass, root = '/') => kubeletLayouts(driver, root)[0]!.podCgroup(uid, qos);

describe('kubelet pod cgroup paths (the kubelet\'s own naming)', () => {
  test('systemd: QoS slices nest by name and the uid has _ for -', () => {
    assert.equal(podPath('systemd', 'Burstable'), `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${under}.slice`);
    assert.equal(podPath('systemd', 'BestEffort'), `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${under}.slice`);
    assert.equal(podPath('systemd', 'Guaranteed'), `/kubepods.slice/kubepods-pod${under}.slice`);
  });

  test('cgroupfs: plain directories and the uid as it is', () => {
    assert.equal(podPath('cgroupfs', 'Burstable'), `/kubepods/burstable/pod${uid}`);
    assert.equal(podPath('cgroupfs', 'BestEffort'), `/kubepods/besteffort/pod${uid}`);
    assert.equal(podPath('cgroupfs', 'Guaranteed'), `/kubepods/pod${uid}`);
  });

  test('a custom --cgroup-root moves the tree: as the kubelet reads it, or as the slice or directory holding kubepods', () => {
    assert.equal(podPath('cgroupfs', 'Burstable', '/kubelet'), `/kubelet/kubepods/burstable/pod${uid}`);
    // --cgroup-root=/kubelet with systemd (kind): kubelet.slice/kubelet-kubepods.slice
    assert.deepEqual(
      kubeletLayouts('systemd', '/kubelet').map((l) => l.podCgroup(uid, 'BestEffort')),
      [
        `/kubelet/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${under}.slice`,
        `/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${under}.slice`,
      ],
    );
    // the same tree named by its slice, as seen from outside a node's cgroup namespace
    assert.equal(
      podPath('systemd', 'Guaranteed', '/system.slice/node.scope/kubelet.slice'),
      `/system.slice/node.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod${under}.slice`,
    );
    // a '-' in a root component is escaped too, as the kubelet does
    assert.equal(kubeletLayouts('systemd', '/my-root')[1]!.kubepods, '/my_root.slice/my_root-kubepods.slice');
  });

  test('auto looks for systemd first, then cgroupfs; a driver given looks only for its own', () => {
    assert.deepEqual(kubeletLayouts('auto', '/').map((l) => [l.driver, l.kubepods]), [['systemd', '/kubepods.slice'], ['cgroupfs', '/kubepods']]);
    assert.deepEqual(kubeletLayouts('cgroupfs', '/').map((l) => l.driver), ['cgroupfs']);
    assert.deepEqual(kubeletLayouts('systemd', '/').map((l) => l.driver), ['systemd']);
  });

  test('the root must be an absolute cgroup path without ..; a trailing / is dropped', () => {
    assert.equal(normalizeKubeletRoot('/'), '/');
    assert.equal(normalizeKubeletRoot('/kubelet/'), '/kubelet');
    assert.equal(normalizeKubeletRoot('//a//b'), '/a/b');
    assert.throws(() => normalizeKubeletRoot('kubelet'), { code: 'WEFT_ERR_KUBELET_CGROUP_ROOT' });
    assert.throws(() => normalizeKubeletRoot('/a/../../etc'), { code: 'WEFT_ERR_KUBELET_CGROUP_ROOT' });
  });
});

describe('finding a pod cgroup on disk', () => {
  // Directories stand for the cgroup v2 mount: the finder only stats.
  const mounts: string[] = [];
  after(() => mounts.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  function mount(...dirs: string[]): string {
    const root = mkdtempSync(join(tmpdir(), 'weft-kubelet-cgroups-'));
    mounts.push(root);
    for (const dir of dirs) mkdirSync(join(root, dir), { recursive: true });
    return root;
  }

  test('detects the driver from the hierarchy that exists, on a pure and on a hybrid mount point', () => {
    for (const layoutRoot of ['', 'unified']) {
      const systemdPod = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${under}.slice`;
      const sd = mount(join(layoutRoot, systemdPod, 'cri-containerd-abc.scope'));
      const found = new KubeletCgroups(join(sd, layoutRoot), kubeletLayouts('auto', '/')).locate(uid, 'Burstable');
      assert.deepEqual(found, { found: true, path: systemdPod, driver: 'systemd' });

      const fs = mount(join(layoutRoot, `/kubepods/besteffort/pod${uid}`));
      const viaCgroupfs = new KubeletCgroups(join(fs, layoutRoot), kubeletLayouts('auto', '/'));
      assert.deepEqual(viaCgroupfs.locate(uid, 'BestEffort'), { found: true, path: `/kubepods/besteffort/pod${uid}`, driver: 'cgroupfs' });
      assert.equal(viaCgroupfs.layout?.driver, 'cgroupfs');
    }
  });

  test('a pod whose cgroup is not there yet is cgroup_not_found, naming the path looked at; found once it appears', () => {
    const root = mount('/kubepods.slice/kubepods-besteffort.slice');
    const finder = new KubeletCgroups(root, kubeletLayouts('auto', '/'));
    const missing = finder.locate(uid, 'Guaranteed');
    assert.equal(missing.found, false);
    assert.equal(!missing.found && missing.reason, 'cgroup_not_found');
    assert.match(!missing.found ? missing.message : '', new RegExp(`${root}/kubepods.slice/kubepods-pod${under}.slice`));
    mkdirSync(join(root, `/kubepods.slice/kubepods-pod${under}.slice`));
    assert.deepEqual(finder.locate(uid, 'Guaranteed'), { found: true, path: `/kubepods.slice/kubepods-pod${under}.slice`, driver: 'systemd' });
  });

  test('no kubepods cgroup at all is kubelet_cgroups_not_found, naming every place looked at', () => {
    const root = mount('/system.slice');
    const result = new KubeletCgroups(root, kubeletLayouts('auto', '/kubelet')).locate(uid, 'Burstable');
    assert.equal(!result.found && result.reason, 'kubelet_cgroups_not_found');
    const message = !result.found ? result.message : '';
    for (const place of ['/kubelet/kubepods.slice', '/kubelet.slice/kubelet-kubepods.slice', '/kubelet/kubepods']) assert.ok(message.includes(join(root, place)), message);
  });

  test('a driver given is the only one looked for', () => {
    const root = mount(`/kubepods/burstable/pod${uid}`);
    assert.equal(new KubeletCgroups(root, kubeletLayouts('systemd', '/')).locate(uid, 'Burstable').found, false);
    assert.equal(new KubeletCgroups(root, kubeletLayouts('cgroupfs', '/')).locate(uid, 'Burstable').found, true);
  });

  test('a custom root: the kubelet\'s systemd reading of --cgroup-root=/kubelet, and a directory holding kubepods', () => {
    const kind = mount(`/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-burstable.slice/kubelet-kubepods-burstable-pod${under}.slice`);
    assert.equal(new KubeletCgroups(kind, kubeletLayouts('auto', '/kubelet')).locate(uid, 'Burstable').found, true);
    const nested = mount(`/run-1/node-1/kubepods/pod${uid}`);
    assert.deepEqual(new KubeletCgroups(nested, kubeletLayouts('auto', '/run-1/node-1')).locate(uid, 'Guaranteed'), {
      found: true,
      path: `/run-1/node-1/kubepods/pod${uid}`,
      driver: 'cgroupfs',
    });
  });

  test('without a QoS class every class is looked in', () => {
    const root = mount(`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${under}.slice`);
    const result = new KubeletCgroups(root, kubeletLayouts('auto', '/')).locate(uid, undefined);
    assert.equal(result.found && result.path, `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${under}.slice`);
  });

  test('the layout found is kept, and looked for again when its kubepods cgroup goes (kubelet restarted with the other driver)', () => {
    const root = mount('/kubepods.slice');
    const finder = new KubeletCgroups(root, kubeletLayouts('auto', '/'));
    assert.equal(finder.locate(uid, 'Burstable').found, false);
    assert.equal(finder.layout?.driver, 'systemd');
    // a cgroupfs tree appearing beside a live systemd one does not switch the layout
    mkdirSync(join(root, `/kubepods/burstable/pod${uid}`), { recursive: true });
    assert.equal(finder.locate(uid, 'Burstable').found, false);
    rmSync(join(root, '/kubepods.slice'), { recursive: true });
    assert.deepEqual(finder.locate(uid, 'Burstable'), { found: true, path: `/kubepods/burstable/pod${uid}`, driver: 'cgroupfs' });
  });

  test('a uid that could walk the path is refused', () => {
    const root = mount('/kubepods.slice');
    for (const bad of ['../../etc', 'a/b', '', 'x.slice']) {
      const result = new KubeletCgroups(root, kubeletLayouts('auto', '/')).locate(bad, 'Burstable');
      assert.equal(!result.found && result.reason, 'invalid_pod_uid', bad);
    }
  });
});
