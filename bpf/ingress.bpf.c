/* cgroup_skb/ingress on each meshed pod's cgroup: a pod in STRICT mode takes
 * new connections only from the node proxy, which has authenticated the
 * peer over mTLS; anything else is dropped, so plaintext cannot bypass the
 * mesh. PERMISSIVE and DISABLE let everything through.
 *
 * "New connection" is decided by the receiving socket, not by TCP flags: a
 * packet for a listening socket is a SYN, or an ACK that would complete a
 * handshake (SYN cookies). Established connections, including those accepted
 * before the pod turned STRICT, and the pod's own outbound connections
 * (SYN-ACKs arrive at a connecting socket) never meet a listener, so they are
 * never dropped; nor are fragments or IPv6 extension headers a way around. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "include/helpers.h"

/* Deeper than any pod's cgroup: kubepods.slice/<qos>.slice/<pod>.slice/<container>.scope is 4. */
#define CGROUP_MAX_LEVEL 16

/* The policy of the pod whose socket receives the packet, and that pod's
 * cgroup id. The socket may belong to a child cgroup of the pod's (where
 * container runtimes put processes), so ancestors are searched, deepest first. */
static __always_inline struct ingress_policy *pod_policy(struct __sk_buff *skb, __u64 *cgroup_id)
{
	struct ingress_key key = {};
	struct ingress_policy *policy;
	int level;

	for (level = CGROUP_MAX_LEVEL; level >= 0; level--) {
		key.cgroup_id = bpf_skb_ancestor_cgroup_id(skb, level);
		if (!key.cgroup_id)
			continue; /* deeper than the socket's cgroup */
		policy = bpf_map_lookup_elem(&cgroup_ingress, &key);
		if (policy) {
			*cgroup_id = key.cgroup_id;
			return policy;
		}
	}
	return 0;
}

/* portLevelMtls: an entry for the listening port overrides the pod-wide one. */
static __always_inline __u32 mode_for_port(__u64 cgroup_id, __u32 local_port, struct ingress_policy *pod)
{
	struct ingress_key key = { .cgroup_id = cgroup_id, .port = bpf_htons((__u16)local_port) };
	struct ingress_policy *port = bpf_map_lookup_elem(&cgroup_ingress, &key);

	return port ? port->mode : pod->mode;
}

/* 1 when the sender may open a connection to a STRICT pod: the node proxy,
 * or the pod itself (loopback, or its own address). skb->data starts at the
 * IP header in cgroup_skb programs. */
static __always_inline int admitted_source(struct __sk_buff *skb, __u32 proxy_ip)
{
	struct iphdr ip4;
	struct ipv6hdr ip6;

	if (bpf_skb_load_bytes(skb, 0, &ip4, sizeof(ip4)))
		return 0; /* shorter than any IP header: nothing the pod could accept */
	if (ip4.version == 4)
		return ip4.saddr == proxy_ip || ip4.saddr == ip4.daddr || (bpf_ntohl(ip4.saddr) >> 24) == 127;
	if (ip4.version != 6 || bpf_skb_load_bytes(skb, 0, &ip6, sizeof(ip6)))
		return 0;
	/* The proxy connects over IPv4 only, so no IPv6 sender is the proxy. */
	if (ip6.saddr.in6_u.u6_addr32[0] == ip6.daddr.in6_u.u6_addr32[0] &&
	    ip6.saddr.in6_u.u6_addr32[1] == ip6.daddr.in6_u.u6_addr32[1] &&
	    ip6.saddr.in6_u.u6_addr32[2] == ip6.daddr.in6_u.u6_addr32[2] &&
	    ip6.saddr.in6_u.u6_addr32[3] == ip6.daddr.in6_u.u6_addr32[3])
		return 1;
	return !ip6.saddr.in6_u.u6_addr32[0] && !ip6.saddr.in6_u.u6_addr32[1] &&
	       !ip6.saddr.in6_u.u6_addr32[2] && ip6.saddr.in6_u.u6_addr32[3] == bpf_htonl(1); /* ::1 */
}

static __always_inline int admit(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	struct ingress_policy *policy;
	__u64 cgroup_id = 0;

	if (!sk)
		return CGROUP_ALLOW;
	sk = bpf_sk_fullsock(sk);
	if (!sk || sk->protocol != IPPROTO_TCP || sk->state != BPF_TCP_LISTEN)
		return CGROUP_ALLOW; /* not a new TCP connection */

	policy = pod_policy(skb, &cgroup_id);
	if (!policy)
		return CGROUP_ALLOW; /* not set (yet): the mesh default, PERMISSIVE */
	if (mode_for_port(cgroup_id, sk->src_port, policy) != INGRESS_MODE_STRICT)
		return CGROUP_ALLOW;
	if (admitted_source(skb, policy->proxy_ip))
		return CGROUP_ALLOW;
	stat_inc(STAT_STRICT_DROPPED);
	return CGROUP_DROP;
}

SEC("cgroup_skb/ingress")
int weft_ingress(struct __sk_buff *skb)
{
	return admit(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
