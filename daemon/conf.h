/*
 * conf — the configuration: defaults, the `key = value` file format with
 * file:line errors, overrides from options, printing the effective result.
 * One table of rows (conf.c) is the single list of keys.  Opens nothing but
 * the config file.
 */
#ifndef EMO_CONF_H
#define EMO_CONF_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_MAX_LINE		4096	/* bytes per config line */
#define CONF_MAX_BOOTSTRAP	32	/* bootstrap addresses */
#define CONF_ADDR_LEN		256	/* "HOST:PORT", NUL included */
#define CONF_MAX_TTL_S		604800	/* hard upper bound for max_ttl */
#define CONF_GROUP_MAX		63	/* bytes of socket_group */
#define CONF_MAX_KEYS		64	/* rows of the key table, at most */

enum conf_storage {
	CONF_STORAGE_LEVELDB,
	CONF_STORAGE_MEMORY,
};

/*
 * The text values are heap strings the conf owns, never NULL once
 * conf_defaults has run (bootstrap: the first nbootstrap).  A conf is
 * copied with conf_copy, not by assignment, and released by conf_free:
 * each address and path takes what it holds, not PATH_MAX, so a daemon's
 * few copies touch a few hundred bytes instead of 21 KB each.
 */
struct conf {
	char		*listen;
	char		*bootstrap[CONF_MAX_BOOTSTRAP];
	unsigned	nbootstrap;
	char		*data_dir;
	char		*socket;
	char		*socket_group;		/* "" = the daemon's group */
	enum conf_storage storage;
	char		*storage_key_file;	/* "": off */
	int		log_level;		/* enum log_level */
	int		sched_batch;		/* SCHED_BATCH: main_sched */
	uint32_t	default_ttl_s;
	uint32_t	max_ttl_s;
	uint32_t	max_values_per_key;
	uint64_t	max_store_bytes;
	uint32_t	quota_values_per_key;	/* per source, per key */
	uint64_t	quota_source_bytes;	/* cost per source; 0: none */
	uint32_t	quota_prefix_values_per_key; /* per /24, /64; 0: none */
	uint64_t	quota_prefix_bytes;	/* cost per prefix; 0: none */
	uint64_t	quota_total_bytes;	/* cost before evicting; 0: none */
	int		sync;
	uint32_t	control_max_clients;
	uint32_t	control_idle_timeout_s;
	uint32_t	control_output_timeout_s;
	char		*metrics_listen;	/* "": off */
	/* network */
	uint32_t	rpc_timeout_ms;
	uint32_t	rpc_retries;
	uint32_t	alpha;
	uint32_t	addr_cache_max;		/* 0: each cache's own bound */
	uint32_t	recv_buffer;
	uint32_t	send_buffer;
	uint32_t	id_difficulty;		/* proof of work of node IDs */
	int		limit_local;		/* IP limits for LAN, loopback */
	int		wide_buckets;		/* route_set_wide */
	uint32_t	rate_limit;		/* requests/s per source */
	uint32_t	rate_burst;
	uint32_t	answer_budget;		/* answer bytes/s, global */
	uint32_t	refresh_interval_s;
	uint32_t	republish_interval_s;
	uint32_t	expire_interval_s;
};

/*
 * Built-in defaults over a conf that holds nothing (or was freed); paths
 * depend on whether we run as root (see conf.c).  Without memory a text
 * value stays NULL, which conf_validate refuses.
 */
void	conf_defaults(struct conf *);
/* A deep copy into dst, which holds nothing; -1 without memory. */
int	conf_copy(struct conf *dst, const struct conf *src);
/* Frees the text values; the conf then holds nothing. */
void	conf_free(struct conf *);
/*
 * Reads a file over the current values.  On error returns -1 with
 * "PATH:LINE: reason" (or "PATH: strerror") in err and leaves *c partly
 * updated: callers load into a scratch copy.
 */
int	conf_load(struct conf *, const char *path, char *err, size_t errlen);
/*
 * Sets one key from its text form, as the file and the command line do.
 * "bootstrap" appends.  Returns -1 with a static reason in *errstr.
 */
int	conf_set(struct conf *, const char *key, const char *value,
	    const char **errstr);
/*
 * conf_set with the message a file error would carry, minus the
 * "PATH:LINE: " prefix: "max_ttl: '0' is below the minimum 1".  For
 * command-line options.
 */
int	conf_set_msg(struct conf *, const char *key, const char *value,
	    char *err, size_t errlen);
/* Checks relations between keys (default_ttl <= max_ttl, ...). */
int	conf_validate(const struct conf *, const char **errstr);
/* Prints every key with its effective value, in file syntax. */
void	conf_print(const struct conf *, FILE *);
/*
 * A duration as the file writes it (digits and one of s, m, h, d), in
 * seconds within min..max; -1 with a static reason in *errstr.  emoctl's
 * --ttl uses it, so both take the same text.
 */
int	conf_parse_duration(const char *, uint64_t min, uint64_t max,
	    uint64_t *out, const char **errstr);
/* Whether a and b hold the same bootstrap list, in the same order. */
int	conf_same_bootstrap(const struct conf *a, const struct conf *b);
/*
 * The keys whose values differ between a and b, in table order, at most
 * max of them into keys (static names); returns how many differ.
 */
size_t	conf_diff(const struct conf *a, const struct conf *b,
	    const char **keys, size_t max);
/* The key table, for documentation checks: NULL past the end. */
const char *conf_key_name(unsigned i);
#endif
