/* sk_lookup on each meshed pod's network namespace: a new inbound TCP
 * connection to the pod's address goes to the node proxy's listening socket
 * inside that namespace instead of the pod's own, so authorization applies to
 * every caller, plaintext ones from outside the mesh too (ztunnel's in-pod
 * inbound capture, without iptables). The accepted socket's local address is
 * the one the caller dialled, so the proxy needs no record of it.
 *
 * Not captured: the node proxy's own connections (it dials the pod once it has
 * authorized the caller), the pod talking to itself, loopback, ports set to
 * STRICT (the pod's socket takes those, and ingress drops any not from the
 * proxy) and UDP. A captured port whose proxy socket is gone (the agent is
 * down) drops the SYN: the caller's retransmission reaches the agent once it
 * is back, and nothing reaches the pod unchecked meanwhile. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "include/helpers.h"

static __always_inline struct capture_policy *capture_policy(struct bpf_sk_lookup *ctx)
{
	struct capture_key key = { .ip = ctx->local_ip4, .port = bpf_htons((__u16)ctx->local_port) };
	struct capture_policy *policy = bpf_map_lookup_elem(&inbound_capture, &key);

	if (policy)
		return policy;
	key.port = 0;
	return bpf_map_lookup_elem(&inbound_capture, &key);
}

SEC("sk_lookup")
int weft_inbound_capture(struct bpf_sk_lookup *ctx)
{
	struct capture_policy *policy;
	struct bpf_sock *sk;
	__u32 pod_ip = ctx->local_ip4;
	long err;

	if (ctx->protocol != IPPROTO_TCP || ctx->family != 2 /* AF_INET */)
		return SK_PASS;
	policy = capture_policy(ctx);
	if (!policy || !policy->capture)
		return SK_PASS;
	if (ctx->remote_ip4 == policy->proxy_ip || ctx->remote_ip4 == ctx->local_ip4 || (bpf_ntohl(ctx->remote_ip4) >> 24) == 127)
		return SK_PASS;

	sk = bpf_map_lookup_elem(&inbound_sockets, &pod_ip);
	if (!sk) {
		stat_inc(STAT_CAPTURE_NO_SOCKET);
		return SK_DROP;
	}
	err = bpf_sk_assign(ctx, sk, 0);
	bpf_sk_release(sk);
	if (err) {
		stat_inc(STAT_CAPTURE_NO_SOCKET);
		return SK_DROP;
	}
	stat_inc(STAT_CAPTURED);
	return SK_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
