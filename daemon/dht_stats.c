/*
 * dht_stats — gathers the counters of the engine's parts into one
 * struct dht_stats (dht_get_stats).  Part of module dht.
 */
#include <string.h>

#include "dht.h"
#include "dht_impl.h"
#include "frag.h"
#include "handover.h"
#include "listen.h"
#include "op.h"
#include "ratelimit.h"
#include "repub.h"
#include "serve.h"

void
dht_get_stats(const struct dht *d, struct dht_stats *st)
{
	struct frag_in_stats fs;
	struct rpc_stats rs;
	struct serve_stats ss;
	struct op_stats os;
	struct handover_stats hs;
	struct repub_stats ps;
	struct route_stats rts;
	struct ratelimit_stats ls;
	struct listen_stats lis;
	struct op_watch_stats ws;
	struct admit_stats as;

	memset(st, 0, sizeof(*st));
	memcpy(st->rx_msgs, d->st.rx_msgs, sizeof(st->rx_msgs));
	st->rx_dropped_decode = d->st.rx_dropped_decode;
	st->rx_dropped_version = d->st.rx_dropped_version;
	st->rx_dropped_frag = d->st.rx_dropped_frag;
	st->rx_bundles = d->st.rx_bundles;
	rpc_get_stats(d->env.rpc, &rs);
	memcpy(st->tx_msgs, rs.tx_msgs, sizeof(st->tx_msgs));
	st->rx_dropped_unmatched = rs.rx_dropped_unmatched;
	st->rpc_timeouts = rs.timeouts;
	st->rpc_retries = rs.retries;
	st->rpc_cookie_resends = rs.cookie_resends;
	st->rpc_retry_failed = rs.retry_failed;
	st->rpc_paced = rs.paced;
	st->rpc_pace_refused = rs.pace_refused;
	st->admit_timeouts = rs.once_timeouts;
	serve_get_stats(d->serve, &ss);
	st->rx_dropped_token = ss.rx_dropped_token;
	st->values_stored = ss.values_stored;
	st->answers_cut = ss.answers_cut;
	st->answers_retry = ss.answers_retry;
	st->answers_withheld = ss.answers_withheld;
	st->store_acks_held = ss.acks_held;
	st->store_refused_busy = ss.refused_busy;
	st->store_refused_storage = ss.refused_storage;
	st->quota_refused_key = ss.quota_refused_key;
	st->quota_refused_source = ss.quota_refused_source;
	st->quota_refused_full = ss.quota_refused_full;
	st->quota_evicted = ss.quota_evicted;
	st->quota_evicted_key = ss.quota_evicted_key;
	st->store_refused = ss.store_refused;
	st->tokens_withheld = ss.tokens_withheld;
	st->digests_served = ss.digests_served;
	st->values_inlined = ss.values_inlined;
	st->values_fetched = ss.values_fetched;
	st->fetch_bad_token = ss.fetch_bad_token;
	memcpy(st->value_refused, d->vref, sizeof(st->value_refused));
	op_get_stats(d->ops, &os);
	memcpy(st->hist, os.hist, sizeof(st->hist));
	st->lookups = os.lookups;
	st->lookup_queries = os.lookup_queries;
	st->lookup_hops = os.lookup_hops;
	st->lookup_capped = os.lookup_capped;
	st->lookup_ip_refused = os.lookup_ip_refused;
	st->lookup_expired = os.lookup_expired;
	st->relay_dropped = os.relay_dropped;
	st->get_fetch_bad = os.get_fetch_bad;
	st->get_fetch_failover = os.get_fetch_failover;
	route_get_stats(d->env.rt, &rts);
	st->route_refused_ip = rts.refused_ip;
	st->route_refused_prefix = rts.refused_prefix;
	admit_get_stats(d->adm, &as);
	st->admit_pings = as.pings;
	st->admit_limited = as.limited;
	st->admit_unproven = as.unproven;
	st->id_challenges = as.challenges;
	st->id_proofs_ok = as.proofs_ok;
	st->id_proof_bad = as.proof_bad;
	st->id_proof_missing = as.proof_missing;
	ratelimit_get_stats(d->rl, &ls);
	st->rx_dropped_rate = ls.requests_dropped;
	st->tx_dropped_budget = ls.answers_dropped;
	st->rate_sources = ls.sources;
	st->peer_tokens = token_peer_count(d->env.tok);
	handover_get_stats(d->ho, &hs);
	st->values_handed_over = hs.values_handed_over;
	st->handover_skipped = hs.skipped;
	st->handover_dropped = hs.dropped;
	frag_in_get_stats(d->fin, &fs);
	st->frag_nacks_sent = fs.nacks_sent;
	repub_get_stats(d->rp, &ps);
	st->republish_passes = ps.passes;
	st->republish_keys = ps.keys;
	st->republish_values = ps.values;
	st->republish_suppressed = ps.suppressed;
	st->republish_known_keys = ps.known_keys;
	st->republish_known_nodes = ps.known_nodes;
	listen_get_stats(d->ls, &lis);
	st->listen_subs = lis.subs;
	st->listen_accepted = lis.accepted;
	st->listen_refreshed = lis.refreshed;
	st->listen_refused = lis.refused;
	st->listen_expired = lis.expired;
	st->listen_dropped = lis.dropped;
	st->listen_pushed = lis.pushed;
	st->listen_push_limited = lis.push_limited;
	st->listen_catchups = lis.catchups;
	op_watch_get_stats(d->wl, &ws);
	st->watches = ws.watches;
	st->watch_subs_held = ws.subs_held;
	st->watch_listens_sent = ws.listens_sent;
	st->watch_subs_lost = ws.subs_lost;
	st->watch_notify_rx = ws.notify_rx;
	st->watch_notify_refused = ws.notify_refused;
	st->watch_values = ws.values;
}
