/*
 * control_status — the status answer: the one list of status counters
 * (control_counters[], in emoctl's order, documented row by row in
 * docs/OPERATIONS.md) and the StatusResult built from it and the node.
 */
#include <stddef.h>
#include <string.h>

#include "control.pb-c.h"
#include "control.h"
#include "control_impl.h"
#include "id.h"
#include "node.h"
#include "perm.h"
#include "wire.h"

/* Where a status counter's value lives. */
enum control_src {
	CONTROL_SRC_NODE,	/* struct node_stats */
	CONTROL_SRC_NET,	/* struct net_stats */
	CONTROL_SRC_DHT,	/* struct dht_stats */
	CONTROL_SRC_CONTROL,	/* struct control_stats */
};

/*
 * The status counters, in the order emoctl shows them: the one list.  The
 * status answer is built from it, and docs/OPERATIONS.md has one row per
 * entry with the same help text (check_control compares them).
 */
static const struct control_counter {
	const char		*name;
	const char		*help;
	enum control_src	 src;
	size_t			 off;	/* of a uint64_t in the src struct */
	int			 gauge;	/* a level now, not a running count */
} control_counters[] = {
#define ROW_(n, s, t, f, h, g) { n, h, CONTROL_SRC_##s, offsetof(struct t, f), g }
#define NODE_C(n, f, h)	ROW_(n, NODE, node_stats, f, h, 0)
#define NET_C(n, f, h)	ROW_(n, NET, net_stats, f, h, 0)
#define DHT_C(n, f, h)	ROW_(n, DHT, dht_stats, f, h, 0)
#define CTL_C(n, f, h)	ROW_(n, CONTROL, control_stats, f, h, 0)
#define NODE_G(n, f, h)	ROW_(n, NODE, node_stats, f, h, 1)
#define DHT_G(n, f, h)	ROW_(n, DHT, dht_stats, f, h, 1)
#define CTL_G(n, f, h)	ROW_(n, CONTROL, control_stats, f, h, 1)
#define MSG_C(n, t)	DHT_C("rx_" n, rx_msgs[t], "`" n "` messages received"),\
			DHT_C("tx_" n, tx_msgs[t], "`" n "` messages sent")
	NODE_C("puts", puts, "puts from control clients that succeeded"),
	NODE_C("put_errors", put_errors,
	    "puts from control clients that failed"),
	NODE_C("gets", gets, "gets from control clients"),
	NODE_C("gets_not_found", get_not_found,
	    "gets that found no live value"),
	NODE_C("values_expired", expired, "values removed by the expiry sweep"),
	NODE_C("heap_trims", heap_trims,
	    "times the expiry sweep gave free heap back to the system"),
	NODE_C("store_syncs", syncs, "group-commit fsyncs (`sync = yes`)"),
	NODE_C("store_tampered", store_tampered,
	    "stored records that failed authentication when read "
	    "(`storage_key_file`): skipped, never served"),
	NODE_G("storage_failed", storage_failed,
	    "1 once an fsync of the store failed: puts and STOREs refused "
	    "until restart"),
	NET_C("udp_rx_packets", rx_packets, "datagrams received"),
	NET_C("udp_rx_bytes", rx_bytes, "bytes received in datagrams"),
	NET_C("udp_rx_oversize", rx_oversize,
	    "datagrams longer than 65,507 bytes, dropped"),
	NET_C("udp_tx_packets", tx_packets, "datagrams sent"),
	NET_C("udp_tx_bytes", tx_bytes, "bytes sent in datagrams"),
	NET_C("udp_tx_dropped", tx_dropped,
	    "datagrams that could not be queued or sent (answers go first: "
	    "the last 1,024 places of the queue are kept for our requests)"),
	NET_C("udp_tx_dropped_requests", tx_dropped_requests,
	    "datagrams of our own requests not queued: the whole queue full "
	    "(the request is sent again at its timeout)"),
	NET_C("udp_tx_joined", tx_joined,
	    "messages that went in one datagram with others for the same "
	    "peer (a bundle), not in their own"),
	MSG_C("ping", WIRE_PING),
	MSG_C("pong", WIRE_PONG),
	MSG_C("find_node", WIRE_FIND_NODE),
	MSG_C("nodes", WIRE_NODES),
	MSG_C("find_value", WIRE_FIND_VALUE),
	MSG_C("values", WIRE_VALUES),
	MSG_C("store", WIRE_STORE),
	MSG_C("store_ack", WIRE_STORE_ACK),
	MSG_C("error", WIRE_ERROR),
	MSG_C("retry", WIRE_RETRY),
	MSG_C("get_values", WIRE_GET_VALUES),
	MSG_C("listen", WIRE_LISTEN),
	MSG_C("listen_ack", WIRE_LISTEN_ACK),
	MSG_C("notify", WIRE_NOTIFY),
	DHT_C("rx_dropped_decode", rx_dropped_decode,
	    "malformed datagrams (bad magic, version, field or size)"),
	DHT_C("rx_dropped_version", rx_dropped_version,
	    "of those, datagrams of another format version (a node of another "
	    "release)"),
	DHT_C("rx_dropped_frag", rx_dropped_frag,
	    "fragments refused by reassembly (bad header, caps reached)"),
	DHT_C("rx_bundles", rx_bundles,
	    "datagrams that carried several messages (bundles) and were read"),
	DHT_C("rx_dropped_unmatched", rx_dropped_unmatched,
	    "responses to no outstanding request, or from the wrong address"),
	DHT_C("rx_dropped_token", rx_dropped_token,
	    "STOREs with a missing or stale write token"),
	DHT_C("rpc_timeouts", rpc_timeouts,
	    "requests that got no answer in time"),
	DHT_C("rpc_retries", rpc_retries,
	    "requests sent again after a timeout"),
	DHT_C("rpc_cookie_resends", rpc_cookie_resends,
	    "requests sent again at once, echoing the cookie of a Retry"),
	DHT_C("rpc_retry_failed", rpc_retry_failed,
	    "requests failed: a second Retry"),
	DHT_C("rpc_paced", rpc_paced,
	    "requests that waited to keep under a peer's rate limit"),
	DHT_C("rpc_pace_refused", rpc_pace_refused,
	    "requests not sent: a peer's pace had them wait over 1 s"),
	DHT_C("lookups", lookups, "iterative lookups started"),
	DHT_C("lookup_queries", lookup_queries, "requests sent by lookups"),
	DHT_C("lookup_hops", lookup_hops,
	    "lookup rounds (hops towards the target), summed over lookups"),
	DHT_C("lookup_capped", lookup_capped,
	    "lookups ended by their query cap (3k + alpha queries)"),
	DHT_C("lookup_ip_refused", lookup_ip_refused,
	    "lookup candidates left out: their IP already had 2 on the "
	    "shortlist"),
	DHT_C("lookup_expired", lookup_expired,
	    "lookups ended by their deadline (20 s)"),
	DHT_C("relay_dropped", relay_dropped,
	    "nodes named in answers refused: unusable address, LAN or "
	    "loopback named from outside, or our own ID"),
	DHT_C("route_refused_ip", route_refused_ip,
	    "routing entries refused: 2 per IP address already"),
	DHT_C("route_refused_prefix", route_refused_prefix,
	    "routing entries refused: 2 per /24 (/64) in the bucket or 10 "
	    "in the table already"),
	DHT_C("admit_pings", admit_pings,
	    "pings to unknown nodes that sent us requests (admitted if they "
	    "prove their ID)"),
	DHT_C("admit_limited", admit_limited,
	    "admission pings not sent: rate limit"),
	DHT_C("admit_timeouts", admit_timeouts,
	    "admission pings to sources that proved nothing, sent once, "
	    "unanswered (not in rpc_timeouts)"),
	DHT_C("admit_unproven", admit_unproven,
	    "admission pings not sent: the request proved no address and "
	    "left no room under its size"),
	DHT_C("id_challenges", id_challenges,
	    "identity challenges (pings with a nonce) to unknown nodes that "
	    "answered us"),
	DHT_C("id_proofs_ok", id_proofs_ok,
	    "pongs that proved their node ID: admitted to the routing table"),
	DHT_C("id_proof_bad", id_proof_bad,
	    "pongs whose ID proof failed (key not the ID, invalid key, ID "
	    "under id_difficulty, bad signature): not admitted"),
	DHT_C("id_proof_missing", id_proof_missing,
	    "pongs to a challenge without an ID proof: not admitted"),
	DHT_C("rx_dropped_rate", rx_dropped_rate,
	    "requests dropped: over their source's rate (rate_limit)"),
	DHT_C("tx_dropped_budget", tx_dropped_budget,
	    "answers dropped: over the global byte budget (answer_budget)"),
	DHT_G("rate_sources", rate_sources,
	    "request sources remembered by the rate limit"),
	DHT_G("peer_tokens", peer_tokens,
	    "write tokens from peers held now, for keys we store at, fetch "
	    "or watch"),
	DHT_C("listen_subs", listen_subs,
	    "subscriptions served now (nodes watching keys here)"),
	DHT_C("listen_accepted", listen_accepted,
	    "subscriptions accepted (Listen)"),
	DHT_C("listen_refreshed", listen_refreshed,
	    "subscriptions refreshed by their subscriber"),
	DHT_C("listen_refused", listen_refused,
	    "Listens refused: bad token, or a subscription limit reached"),
	DHT_C("listen_expired", listen_expired,
	    "subscriptions that expired without a refresh"),
	DHT_C("listen_dropped", listen_dropped,
	    "subscriptions dropped: cancelled, or the subscriber stopped answering"),
	DHT_C("listen_pushed", listen_pushed,
	    "Notify pushes sent to subscribers"),
	DHT_C("listen_push_limited", listen_push_limited,
	    "values not pushed: over a subscription's push rate or in-flight cap"),
	DHT_C("listen_catchups", listen_catchups,
	    "Notify pushes of values left behind by the push limits"),
	DHT_C("watches", watches,
	    "watches running now (emoctl watch)"),
	DHT_C("watch_subs_held", watch_subs_held,
	    "nodes that acknowledged our watches' subscriptions, now"),
	DHT_C("watch_listens_sent", watch_listens_sent,
	    "Listens sent for our watches (subscribe and refresh)"),
	DHT_C("watch_subs_lost", watch_subs_lost,
	    "subscribed nodes that stopped answering, replaced by a new lookup"),
	DHT_C("watch_notify_rx", watch_notify_rx,
	    "Notify pushes received"),
	DHT_C("watch_notify_refused", watch_notify_refused,
	    "Notify pushes for no watch of ours from that node"),
	DHT_C("watch_values", watch_values,
	    "values handed to watchers"),
	DHT_C("values_stored_remote", values_stored,
	    "values stored by other nodes' STOREs"),
	DHT_C("values_handed_over", values_handed_over,
	    "values given to newly joined nodes"),
	DHT_C("handover_skipped", handover_skipped,
	    "newly joined nodes too far from our keys to be given any"),
	DHT_C("handover_dropped", handover_dropped,
	    "newly joined nodes not given keys: the hand-over queue was full"),
	DHT_C("frag_nacks_sent", frag_nacks_sent,
	    "requests for missing fragments"),
	DHT_C("answers_cut", answers_cut,
	    "value pages cut to the size of a request that proved no address"),
	DHT_C("answers_retry", answers_retry,
	    "Retry (with a cookie) sent in place of an answer longer than a "
	    "request that proved no address"),
	DHT_C("answers_withheld", answers_withheld,
	    "answers not sent: longer than a request that proved no address, "
	    "and not even a Retry fitted"),
	DHT_C("republish_passes", republish_passes,
	    "republish passes over the store"),
	DHT_C("republish_keys", republish_keys, "keys looked up to republish"),
	DHT_C("republish_values", republish_values,
	    "republished values acknowledged by their nodes"),
	DHT_C("republish_suppressed", republish_suppressed,
	    "values not republished because they were received recently"),
	DHT_C("republish_known_keys", republish_known_keys,
	    "keys skipped because all their holders were known"),
	DHT_C("republish_known_nodes", republish_known_nodes,
	    "holders not sent a value again because they have it"),
	DHT_C("store_acks_held", store_acks_held,
	    "StoreAcks sent only after the group commit (`sync = yes`)"),
	DHT_C("store_refused_busy", store_refused_busy,
	    "STOREs refused: too many StoreAcks waiting for the group commit"),
	DHT_C("store_refused_storage", store_refused_storage,
	    "STOREs refused because storage is failing"),
	DHT_C("quota_refused_key", quota_refused_key,
	    "values refused: their source's values under the key at its quota"),
	DHT_C("quota_refused_source", quota_refused_source,
	    "values refused: their source's bytes at its quota"),
	DHT_C("quota_refused_full", quota_refused_full,
	    "values refused: store full and their source the heaviest, or "
	    "nothing evictable"),
	DHT_C("quota_evicted", quota_evicted,
	    "values evicted (the heaviest source's oldest) for another source's"),
	DHT_C("quota_evicted_key", quota_evicted_key,
	    "values evicted from a full key (the oldest of the source holding "
	    "most under it) for another source's or a local put"),
	DHT_C("store_refused", store_refused,
	    "values from STOREs the store refused: their key or the store full"),
	DHT_C("value_sig_bad", value_refused[ENV_VREF_SIG_BAD],
	    "signed values refused: the signature does not verify (or bad attributes)"),
	DHT_C("value_point_bad", value_refused[ENV_VREF_POINT_BAD],
	    "signed values refused: the public key is not a valid Ed25519 point"),
	DHT_C("value_key_bad", value_refused[ENV_VREF_KEY_BAD],
	    "signed values refused: the key is not Keccak-256(public key ‖ name)"),
	DHT_C("value_ttl_bad", value_refused[ENV_VREF_TTL_BAD],
	    "signed values refused: expiry not creation + whole seconds, or past max_ttl"),
	DHT_C("value_immutable_bad", value_refused[ENV_VREF_IMMUTABLE_BAD],
	    "values refused: an immutable value not hashing to its key, or another value under an immutable one"),
	DHT_C("value_seq_old", value_refused[ENV_VREF_SEQ_OLD],
	    "signed values refused: the key holds a higher seq"),
	DHT_C("value_seq_same", value_refused[ENV_VREF_SEQ_SAME],
	    "signed values refused: the key holds another value of the same seq"),
	DHT_C("value_unsigned_refused", value_refused[ENV_VREF_UNSIGNED],
	    "unsigned values refused under a key that holds signed ones"),
	DHT_C("tokens_withheld", tokens_withheld,
	    "answers sent without a write token: store full, nothing evictable"),
	DHT_C("digests_served", digests_served,
	    "value digests listed in our FIND_VALUE answers"),
	DHT_C("values_inlined", values_inlined,
	    "values whose bytes rode in our FIND_VALUE answers"),
	DHT_C("values_fetched", values_fetched,
	    "values sent in answers to GET_VALUES"),
	DHT_C("fetch_bad_token", fetch_bad_token,
	    "GET_VALUES refused: missing or stale token"),
	DHT_C("get_fetch_bad", get_fetch_bad,
	    "fetched values dropped: bytes not matching their digest"),
	DHT_C("get_fetch_failover", get_fetch_failover,
	    "value fetches asked again of another holder"),
	CTL_G("ctl_clients", clients, "control-socket clients connected now"),
	CTL_C("ctl_accepted", accepted, "control-socket clients accepted"),
	CTL_C("ctl_rejected", rejected,
	    "control-socket clients refused at `control_max_clients`"),
	CTL_C("ctl_requests", requests, "control requests served"),
	CTL_C("ctl_bad_frames", bad_frames,
	    "control connections closed for a malformed frame"),
	CTL_C("ctl_refused_peer", refused_peer,
	    "control clients closed at accept: uid neither 0, ours nor in "
	    "the socket's group"),
	CTL_C("ctl_dropped_output", dropped_output,
	    "control clients dropped for reading none of over 1 MiB of "
	    "answers for `control_output_timeout`, and watch answers "
	    "dropped while 1 MiB of them waited behind an earlier request"),
#undef NODE_C
#undef NET_C
#undef DHT_C
#undef CTL_C
#undef MSG_C
#undef NODE_G
#undef DHT_G
#undef CTL_G
#undef ROW_
};
#define CONTROL_NCOUNTERS \
	(sizeof(control_counters) / sizeof(control_counters[0]))

const char *
control_counter_name(size_t i, const char **help)
{
	if (i >= CONTROL_NCOUNTERS)
		return NULL;
	if (help != NULL)
		*help = control_counters[i].help;
	return control_counters[i].name;
}

void
control_set_perm(struct control *ctl, struct perm *p)
{
	ctl->perm = p;
}

void
control_set_restart_keys(struct control *ctl, const char *const *keys,
    size_t n)
{
	size_t i;

	if (n > CONTROL_MAX_RESTART_KEYS)
		n = CONTROL_MAX_RESTART_KEYS;
	for (i = 0; i < n; i++)
		ctl->restart_keys[i] = keys[i];
	ctl->nrestart_keys = n;
}

int
control_counter_gauge(size_t i)
{
	return i < CONTROL_NCOUNTERS && control_counters[i].gauge;
}

uint64_t
control_counter_value(const struct control *ctl, const struct node_status *ns,
    size_t i)
{
	const struct control_counter *cc;
	const void *src;
	uint64_t v;

	if (i >= CONTROL_NCOUNTERS)
		return 0;
	cc = &control_counters[i];
	switch (cc->src) {
	case CONTROL_SRC_NODE:
		src = &ns->node;
		break;
	case CONTROL_SRC_NET:
		src = &ns->net;
		break;
	case CONTROL_SRC_DHT:
		src = &ns->dht;
		break;
	default:
		src = &ctl->st;
		break;
	}
	memcpy(&v, (const char *)src + cc->off, sizeof(v));
	return v;
}

/* Answers a status request from the node's state and the counters. */
void
control_status(struct control_conn *c, struct control_req *r,
    const Emo__Ctl__Request *q)
{
	struct control *ctl = c->ctl;
	Emo__Ctl__Response rsp = EMO__CTL__RESPONSE__INIT;
	Emo__Ctl__StatusResult sr = EMO__CTL__STATUS_RESULT__INIT;
	Emo__Ctl__Counter cnt[CONTROL_NCOUNTERS], *cp[CONTROL_NCOUNTERS];
	struct node_status ns;
	size_t i;

	node_status(ctl->node, &ns);
	for (i = 0; i < CONTROL_NCOUNTERS; i++) {
		emo__ctl__counter__init(&cnt[i]);
		cnt[i].name = (char *)control_counters[i].name;
		cnt[i].value = control_counter_value(ctl, &ns, i);
		cp[i] = &cnt[i];
	}
	sr.node_id.data = ns.id.b;
	sr.node_id.len = ID_LEN;
	sr.public_key.data = ns.public_key;
	sr.public_key.len = sizeof(ns.public_key);
	sr.listen = ns.listen;
	sr.uptime_s = ns.uptime_s;
	sr.peers = ns.peers;
	sr.keys = ns.store.keys;
	sr.values = ns.store.values;
	sr.bytes = ns.store.bytes;
	sr.version = EMO_VERSION;
	sr.storage = (char *)ns.storage;
	sr.data_dir = (char *)ns.data_dir;
	sr.network = (char *)ns.network;
	sr.n_counters = CONTROL_NCOUNTERS;
	sr.counters = cp;
	sr.permanent = ctl->perm != NULL ? (uint32_t)perm_count(ctl->perm) : 0;
	sr.n_restart_keys = ctl->nrestart_keys;
	sr.restart_keys = (char **)ctl->restart_keys;
	rsp.body_case = EMO__CTL__RESPONSE__BODY_STATUS;
	rsp.status = &sr;
	control_respond(r, &rsp);
}
