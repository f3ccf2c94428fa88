/**
 * The CRDs in deploy/crds/ are what the validator's schemas generate, the
 * API server would accept them (structural, valid CRD objects), they
 * accept every example in deploy/examples, and they refuse broken copies
 * of those examples exactly when `weft config validate`'s schema does: the
 * cluster and the validator cannot drift apart.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { installRoot } from '../../core/paths.js';
import { crdFiles, weftCustomResources } from '../../control-plane/manifests/crd.js';
import type { StructuralSchema } from '../../control-plane/manifests/crd-schema.js';
import { FieldLines } from '../../control-plane/manifests/field-lines.js';
import { isSupportedKind } from '../../control-plane/manifests/kinds.js';
import { validateManifest } from '../../control-plane/manifests/schema-validator.js';
import { watchedResources } from '../../control-plane/sources/kubernetes-resources.js';
import { brokenCopies, crdValidator, invalidDefaults, structuralViolations } from './crd-openapi.js';
import { kubernetesSchemaProblems } from './kubernetes-schemas.js';
import { deployDir, examples, type KubeObject, parseObjects, render } from './rendered.js';

const crdDir = join(deployDir, 'crds');

function committedCrds(): KubeObject[] {
  return readdirSync(crdDir)
    .filter((name) => name.endsWith('.yaml'))
    .flatMap((name) => parseObjects(readFileSync(join(crdDir, name), 'utf8'), name));
}

function schemaOf(crd: KubeObject): StructuralSchema & Record<string, unknown> {
  return crd.spec.versions[0].schema.openAPIV3Schema;
}

function crdFor(object: KubeObject): KubeObject {
  const [group, version] = object.apiVersion.split('/');
  const crd = committedCrds().find((c) => c.spec.group === group && c.spec.names.kind === object.kind && c.spec.versions.some((v: { name: string }) => v.name === version));
  if (!crd) throw new Error(`no CRD in deploy/crds for ${object.apiVersion} ${object.kind}`);
  return crd;
}

/** The validator's verdict from the schema alone (no semantic checks), as for a file. */
function validatorAccepts(object: KubeObject): boolean {
  if (!isSupportedKind(object.kind)) throw new Error(`${object.kind} is not a kind the validator knows`);
  return validateManifest(object.kind, structuredClone(object), new FieldLines(1), { file: 'example', document: 0 }).length === 0;
}

describe('CRDs', () => {
  test('deploy/crds is byte for byte what scripts/gen-crds.js generates from the schemas', () => {
    const wanted = crdFiles();
    assert.deepEqual(readdirSync(crdDir).filter((name) => name.endsWith('.yaml')).sort(), [...wanted.keys()].sort(), 'run: node scripts/gen-crds.js');
    for (const [name, text] of wanted) assert.equal(readFileSync(join(crdDir, name), 'utf8'), text, `deploy/crds/${name} drifted from its schema; run: node scripts/gen-crds.js`);
    // And the script's own check says the same.
    execFileSync(process.execPath, [join(installRoot, 'scripts', 'gen-crds.js'), '--check'], { stdio: 'pipe' });
  });

  test('there is a CRD for every weft.dev resource the Kubernetes source watches, and for nothing else', () => {
    const watched = watchedResources.filter((resource) => resource.group === 'weft.dev');
    assert.ok(watched.length >= 2);
    assert.deepEqual(weftCustomResources().map((resource) => resource.kind), watched.map((resource) => resource.kind));
    const names = committedCrds().map((crd) => `${crd.metadata.name} ${crd.spec.names.kind} ${crd.spec.versions.map((v: { name: string }) => v.name).join()}`);
    assert.deepEqual(names.sort(), watched.map((r) => `${r.plural}.${r.group} ${r.kind} ${r.version}`).sort());
    // Gateway API kinds are that project's CRDs, never generated here.
    assert.ok(committedCrds().every((crd) => crd.spec.group === 'weft.dev'));
  });

  test('every CRD is installed by deploy/kustomization.yaml', () => {
    const rendered = render().filter((object) => object.kind === 'CustomResourceDefinition');
    assert.deepEqual(rendered.map((crd) => crd.metadata.name).sort(), committedCrds().map((crd) => crd.metadata.name).sort());
  });

  for (const crd of committedCrds()) {
    test(`${crd.metadata.name}: a valid CustomResourceDefinition with a structural schema and valid defaults`, async () => {
      assert.deepEqual(await kubernetesSchemaProblems(crd), []);
      assert.deepEqual(structuralViolations(schemaOf(crd)), []);
      assert.deepEqual(invalidDefaults(schemaOf(crd)), []);
      assert.equal(crd.spec.scope, 'Namespaced');
      assert.equal(crd.spec.versions.filter((v: { storage: boolean }) => v.storage).length, 1);
    });
  }

  const all = examples();
  test('deploy/examples has an example of every Weft kind', () => {
    const kinds = new Set([...all.values()].map((object) => object.kind));
    for (const resource of weftCustomResources()) assert.ok(kinds.has(resource.kind), `no example of ${resource.kind}`);
  });

  test('`weft config validate deploy/examples` finds nothing wrong and warns of nothing', () => {
    const out = execFileSync(process.execPath, [join(installRoot, 'bin', 'weft.js'), 'config', 'validate', join(deployDir, 'examples')], { encoding: 'utf8' });
    assert.match(out, /valid, 0 errors, 0 warnings \(3 AuthorizationPolicies/);
    assert.deepEqual(out.split('\n').filter((line) => / warning: /.test(line)), [], out);
  });

  for (const [file, example] of all) {
    test(`${file}: accepted by its CRD and by the validator; every broken copy refused by both`, () => {
      const schema = schemaOf(crdFor(example));
      const validate = crdValidator(schema);
      assert.ok(validate(structuredClone(example)), `${file}: ${JSON.stringify(validate.errors)}`);
      assert.ok(validatorAccepts(example), `${file}: the validator refuses it`);

      const broken = brokenCopies(example, schema);
      assert.ok(broken.length >= 3, `only ${broken.length} mutations of ${file}`);
      const kinds = new Set(broken.map((copy) => copy.what.replace(/^.*: /, '')));
      for (const kind of ['wrong type', 'unknown field']) assert.ok(kinds.has(kind), `${file}: no "${kind}" mutation`);
      for (const copy of broken) {
        assert.equal(validate(copy.object), false, `${file}: the CRD accepts a copy with ${copy.what}`);
        assert.equal(validatorAccepts(copy.object as KubeObject), false, `${file}: the validator accepts a copy with ${copy.what}`);
      }
    });
  }

  test('broken copies cover missing required fields, enums and patterns across the examples', () => {
    const whats = [...all.values()].flatMap((example) => brokenCopies(example, schemaOf(crdFor(example))).map((copy) => copy.what));
    for (const kind of ['missing (required)', 'outside its enum', 'misses its pattern']) {
      assert.ok(whats.some((what) => what.endsWith(kind)), `no "${kind}" mutation in any example`);
    }
  });
});
