/**
 * AuthorizationPolicy on the wire (proto/weft/v1/mesh-policy.proto). toProto
 * is deterministic (the selector sorted, lists in model order); fromProto
 * re-checks the principals and CIDRs the agent matches, and the condition
 * keys it knows, with the model's own rules, and throws naming the field.
 */
import type {
  AuthorizationPolicy as AuthorizationPolicyProto,
  AuthorizationPolicy__Output,
} from '../../proto/generated/weft/v1/AuthorizationPolicy.js';
import { conditionValueKind } from '../../model/authorization-keys.js';
import { checkCidr } from '../../model/cidr.js';
import { principalProblem } from '../../model/principal.js';
import type { AuthorizationPolicy, SourceRef } from '../../model/types.js';
import * as check from '../field-checks.js';
import { type ResourceKind, resourceSource } from '../resource-kind.js';
import { fail, namespaced, selectorFromProto, sorted, WIRE_SOURCE } from './wire-values.js';

const ACTIONS = ['ALLOW', 'DENY', 'AUDIT'] as const;

export function authorizationPolicyToProto(policy: AuthorizationPolicy): AuthorizationPolicyProto {
  return {
    name: policy.name,
    namespace: policy.namespace,
    selector: sorted(policy.selector ?? {}),
    action: policy.action,
    rules: policy.rules.map((rule) => ({
      from: rule.from.map((peer) => ({ ...peer })),
      to: rule.to.map((operation) => ({ ...operation })),
      when: rule.when.map((condition) => ({ ...condition })),
    })),
  };
}

function each(values: string[], field: string, problemOf: (value: string) => string | undefined): string[] {
  values.forEach((value, index) => {
    const problem = problemOf(value);
    if (problem) fail(`${field}[${index}]`, problem);
  });
  return [...values];
}

const cidrProblem = (value: string) => checkCidr(value).error;

export function authorizationPolicyFromProto(body: AuthorizationPolicy__Output, source: SourceRef = WIRE_SOURCE): AuthorizationPolicy {
  return {
    name: check.dnsSubdomain(body.name, 'name'),
    namespace: check.dnsLabel(body.namespace, 'namespace'),
    ...selectorFromProto(body.selector, 'selector'),
    action: check.oneOf(ACTIONS, body.action, 'action'),
    rules: body.rules.map((rule, ruleIndex) => {
      const at = `rules[${ruleIndex}]`;
      return {
        from: rule.from.map((peer, index) => {
          const field = `${at}.from[${index}]`;
          return {
            principals: each(peer.principals, `${field}.principals`, principalProblem),
            notPrincipals: each(peer.notPrincipals, `${field}.notPrincipals`, principalProblem),
            namespaces: [...peer.namespaces],
            notNamespaces: [...peer.notNamespaces],
            ipBlocks: each(peer.ipBlocks, `${field}.ipBlocks`, cidrProblem),
            notIpBlocks: each(peer.notIpBlocks, `${field}.notIpBlocks`, cidrProblem),
            remoteIpBlocks: each(peer.remoteIpBlocks, `${field}.remoteIpBlocks`, cidrProblem),
            notRemoteIpBlocks: each(peer.notRemoteIpBlocks, `${field}.notRemoteIpBlocks`, cidrProblem),
          };
        }),
        to: rule.to.map((operation, index) => {
          const field = `${at}.to[${index}]`;
          return {
            ports: operation.ports.map((port, i) => check.port(port, `${field}.ports[${i}]`)),
            notPorts: operation.notPorts.map((port, i) => check.port(port, `${field}.notPorts[${i}]`)),
            methods: [...operation.methods],
            notMethods: [...operation.notMethods],
            paths: [...operation.paths],
            notPaths: [...operation.notPaths],
            hosts: [...operation.hosts],
            notHosts: [...operation.notHosts],
          };
        }),
        when: rule.when.map((condition, index) => {
          const field = `${at}.when[${index}]`;
          if (conditionValueKind(condition.key) === undefined) fail(`${field}.key`, `unknown key ${JSON.stringify(condition.key)}`);
          return { key: condition.key, values: [...condition.values], notValues: [...condition.notValues] };
        }),
      };
    }),
    source,
  };
}

export const authorizationPolicyKind: ResourceKind<'authorizationPolicies', AuthorizationPolicyProto, AuthorizationPolicy__Output> = {
  kind: 'AuthorizationPolicy',
  field: 'authorizationPolicy',
  configKey: 'authorizationPolicies',
  key: namespaced,
  toProto: authorizationPolicyToProto,
  fromProto: (body, name) => authorizationPolicyFromProto(body, resourceSource(name)),
};
