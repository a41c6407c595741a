/*
 * dht_impl — the engine's top as its two files see it: dht.c (building,
 * input, timers) and dht_stats.c (gathering the parts' counters).
 */
#ifndef EMO_DHT_IMPL_H
#define EMO_DHT_IMPL_H

#include "admit.h"
#include "dht.h"
#include "env.h"

struct dht {
	struct env		 env;
	struct dht_io		 io;
	struct frag_in		*fin;
	struct op_set		*ops;
	struct serve		*serve;
	struct join		*join;
	struct handover		*ho;
	struct repub		*rp;
	struct ratelimit	*rl;
	struct listen		*ls;		/* subscriptions we serve */
	struct op_watch_list	*wl;		/* subscriptions we hold */
	struct admit		*adm;		/* who enters the table */
	int64_t			 wall_ms;	/* of the input being handled */
	uint64_t		 vref[ENV_VREF_COUNT];	/* env.vref */
	struct {
		uint64_t	 rx_msgs[16];
		uint64_t	 rx_dropped_decode;
		uint64_t	 rx_dropped_version;
		uint64_t	 rx_dropped_frag;
		uint64_t	 rx_bundles;	/* kind-3 datagrams taken */
	}			 st;
};

#endif
