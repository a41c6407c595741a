/*
 * wire — the UDP message codec: datagram header, Packet encode/decode with
 * every field checked, and the size arithmetic for paging values.  Callers
 * see plain C structs, never protobuf-c.  No sockets, no clock, no state.
 */
#ifndef EMO_WIRE_H
#define EMO_WIRE_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "frame.h"	/* EMO_MAX_VALUE */
#include "id.h"		/* ID_LEN: sender, node ids, keys */
#include "sigval.h"	/* struct value_attr */

#define WIRE_MAGIC0		0x45	/* 'E' */
#define WIRE_MAGIC1		0x4d	/* 'M' */
#define WIRE_VERSION		2
#define WIRE_HDR_LEN		4	/* magic, version, kind */

#define WIRE_KIND_WHOLE		0	/* header + Packet */
#define WIRE_KIND_FRAG		1	/* header + fragment header + part */
#define WIRE_KIND_NACK		2	/* header + msg_id, count, bitmap */
#define WIRE_KIND_BUNDLE	3	/* header + (length, kind-0 datagram)... */

/*
 * A bundle carries 2..WIRE_BUNDLE_MAX_MSGS whole messages for one peer in
 * one datagram, each a kind-0 datagram (header included) after its length
 * in 2 big-endian bytes.  It is sent only to a peer whose Packets carry
 * WIRE_FEAT_BUNDLE in `features`.  A receiver takes one as long as
 * wire_whole_max allows for its source; emod sends at most
 * WIRE_MAX_DATAGRAM (rpc_join_max).
 */
#define WIRE_BUNDLE_MAX_MSGS	64
#define WIRE_BUNDLE_ENTRY_HDR	2	/* the length before each message */
/* Packet.features bits: what the sender accepts. */
#define WIRE_FEAT_BUNDLE	0x1u	/* kind-3 datagrams */
/*
 * What every Packet this codec encodes says: its users all take bundles
 * (dht_input).  A constant, not a field to set, so that every size the
 * engine predicts (padding, fitting answers) counts it.
 */
#define WIRE_FEATURES		WIRE_FEAT_BUNDLE

/* 1280-byte IPv6 minimum path MTU less 40 (IPv6) and 8 (UDP) bytes. */
#define WIRE_MAX_DATAGRAM	1232
/*
 * To and from a loopback peer, when the engine allows it (wire_whole_max):
 * nothing on the path splits a datagram (lo's MTU is 65,536), so this is
 * the most one UDP payload carries over IPv4 (IPv6: 20 bytes more).
 */
#define WIRE_MAX_LOCAL_DATAGRAM	65507
/* One message: the 4-byte header and the encoded Packet. */
#define WIRE_MAX_MESSAGE	98304
#define WIRE_MAX_TOKEN		32
#define WIRE_MAX_COOKIE		16	/* Packet.cookie */
#define WIRE_MAX_PAD		WIRE_MAX_DATAGRAM	/* Packet.pad */
#define WIRE_MAX_NONCE		32	/* Ping.nonce */
#define WIRE_PUBLIC_KEY_LEN	32	/* Pong.public_key: Ed25519 */
#define WIRE_SIGNATURE_LEN	64	/* Pong.signature: Ed25519 */
/* Engine files only, until they use EMO_MAX_VALUE; then delete. */
#define WIRE_MAX_NODES		20		/* NodeInfo per message */
#define WIRE_KNOWN_PREFIX	4		/* bytes of an ID in Store.known */
#define WIRE_MAX_KNOWN		(WIRE_MAX_NODES * WIRE_KNOWN_PREFIX)
#define WIRE_MAX_VALUES_PER_MSG	64		/* WireValue per message */
/* ValueDigest per Values message: 64 of ~54 bytes fit one message easily. */
#define WIRE_MAX_DIGESTS_PER_MSG 64
#define WIRE_HASH_LEN		32		/* ValueDigest.hash, GetValues */
#define WIRE_MAX_ERROR_LEN	256		/* bytes of Error.message */
/* Year 9999: times beyond are nonsense, and sums of two cannot overflow. */
#define WIRE_MAX_TIME_MS	INT64_C(253402300799999)

/* Error.code values.  Receivers must accept codes they do not know. */
#define WIRE_ERR_INTERNAL	1	/* the responder failed */
#define WIRE_ERR_BAD_REQUEST	2	/* valid wire, refused by policy */
#define WIRE_ERR_BAD_TOKEN	3	/* Store/GetValues: missing/stale token */
#define WIRE_ERR_QUOTA		4	/* Store refused: storage full */
#define WIRE_ERR_TOO_LARGE	5	/* answer would not fit a message */

enum wire_type {
	WIRE_PING = 1,
	WIRE_PONG,
	WIRE_FIND_NODE,
	WIRE_NODES,
	WIRE_FIND_VALUE,
	WIRE_VALUES,
	WIRE_STORE,
	WIRE_STORE_ACK,
	WIRE_ERROR,
	WIRE_GET_VALUES,
	WIRE_LISTEN,
	WIRE_LISTEN_ACK,
	WIRE_NOTIFY,
	/* Any request's answer: ask again with the cookie.  The last
	 * (dht.c, control_status.c); it has no golden in check_wire. */
	WIRE_RETRY,
};

struct wire_node {
	struct id	 id;
	struct addr	 addr;
};

struct wire_value {
	const uint8_t	*data;		/* 1..EMO_MAX_VALUE bytes */
	uint32_t	 len;
	int64_t		 created_ms;	/* Unix ms, > 0 */
	int64_t		 expires_ms;	/* Unix ms, > created_ms */
	struct value_attr attr;		/* zeroed: plain */
};

/* A value by its hash (sigval_hash), size and times. */
struct wire_digest {
	uint8_t		 hash[WIRE_HASH_LEN];
	uint32_t	 len;		/* 1..EMO_MAX_VALUE */
	int64_t		 created_ms;	/* Unix ms, > 0 */
	int64_t		 expires_ms;	/* Unix ms, > created_ms */
};

struct wire_ping {
	uint8_t		 nonce[WIRE_MAX_NONCE];	/* an identity challenge */
	size_t		 noncelen;		/* 0: none */
};

struct wire_pong {
	struct addr	 observed;	/* where the Ping came from */
	int		 has_proof;	/* public_key and signature are set */
	uint8_t		 public_key[WIRE_PUBLIC_KEY_LEN];
	uint8_t		 signature[WIRE_SIGNATURE_LEN];
};

/*
 * What a lookup's asker knows (FindNode, FindValue, a Store with
 * find_nodes): the answer lists only nodes closer to the target than
 * closer_than (if set) that known does not match, and 2 beyond it.
 * Zeroed: no filter.
 */
struct wire_known {
	int		 has_closer_than;
	struct id	 closer_than;
	uint8_t		 known[WIRE_MAX_KNOWN];	/* WIRE_KNOWN_PREFIX-byte ID */
	size_t		 knownlen;		/* prefixes, concatenated */
};

struct wire_find_node {
	struct id	 target;
	struct wire_known kn;
};

struct wire_nodes {
	const struct wire_node *nodes;	/* at most WIRE_MAX_NODES */
	size_t		 nnodes;
	uint8_t		 token[WIRE_MAX_TOKEN];
	size_t		 tokenlen;
};

struct wire_find_value {
	struct id	 key;
	int64_t		 since_ms;	/* >= 0 */
	uint32_t	 offset;
	uint8_t		 token[WIRE_MAX_TOKEN];	/* echoed write token */
	size_t		 tokenlen;
	struct wire_known kn;		/* for the Values' nodes */
};

struct wire_values {
	const struct wire_value *values; /* at most WIRE_MAX_VALUES_PER_MSG */
	size_t		 nvalues;
	const struct wire_node *nodes;	/* at most WIRE_MAX_NODES */
	size_t		 nnodes;
	uint8_t		 token[WIRE_MAX_TOKEN];
	size_t		 tokenlen;
	uint32_t	 next_offset;	/* 0: last page; else <= total */
	uint32_t	 total;
	const struct wire_digest *digests; /* at most WIRE_MAX_DIGESTS_PER_MSG */
	size_t		 ndigests;
};

struct wire_get_values {
	struct id	 key;
	const uint8_t	(*hashes)[WIRE_HASH_LEN]; /* 1..WIRE_MAX_VALUES_PER_MSG */
	size_t		 nhashes;
	uint8_t		 token[WIRE_MAX_TOKEN];	/* from the FIND_VALUE answer */
	size_t		 tokenlen;
};

struct wire_store {
	struct id	 key;
	const struct wire_value *values; /* 1..EMO_MAX_VALUES_PER_MSG */
	size_t		 nvalues;
	uint8_t		 token[WIRE_MAX_TOKEN];
	size_t		 tokenlen;	/* 0: proven by the cookie alone */
	int		 find_nodes;	/* the StoreAck lists the closest */
	struct wire_known kn;		/* ... those news to us */
};

struct wire_store_ack {
	uint32_t	 stored;
	const struct wire_node *nodes;	/* at most WIRE_MAX_NODES */
	size_t		 nnodes;
};

struct wire_listen {
	struct id	 key;
	int64_t		 since_ms;	/* >= 0 */
	uint8_t		 token[WIRE_MAX_TOKEN];
	size_t		 tokenlen;
	int		 cancel;
};

struct wire_listen_ack {
	uint32_t	 lifetime_ms;	/* 0: not held */
};

struct wire_notify {
	struct id	 key;
	const struct wire_value *values; /* 1..WIRE_MAX_VALUES_PER_MSG */
	size_t		 nvalues;
};

struct wire_error {
	uint32_t	 code;
	const char	*message;	/* NUL-terminated; NULL = "" on encode */
};

/*
 * One message.  To encode, fill type, sender, txid and the member of u
 * named after the type; arrays and strings stay the caller's.  After
 * wire_decode, pointers refer to memory owned by the message until
 * wire_msg_free.
 */
struct wire_msg {
	enum wire_type	 type;
	struct id	 sender;
	uint64_t	 txid;
	uint8_t		 cookie[WIRE_MAX_COOKIE];	/* echoed, or given */
	size_t		 cookielen;
	size_t		 padlen;	/* zero bytes of Packet.pad */
	uint32_t	 features;	/* decoded; we encode WIRE_FEATURES */
	union {
		struct wire_ping	ping;
		struct wire_pong	pong;
		struct wire_find_node	find_node;
		struct wire_nodes	nodes;
		struct wire_find_value	find_value;
		struct wire_values	values;
		struct wire_store	store;
		struct wire_store_ack	store_ack;
		struct wire_error	error;
		struct wire_get_values	get_values;
		struct wire_listen	listen;
		struct wire_listen_ack	listen_ack;
		struct wire_notify	notify;
	} u;
	void		*priv;		/* decoder storage; NULL if none */
};

/*
 * Checks the 4-byte header of any datagram and returns its kind
 * (WIRE_KIND_*), or -1 with *errstr.  Does not look past the header.
 */
int	wire_peek_kind(const uint8_t *buf, size_t len, const char **errstr);
/*
 * The longest datagram sent to or taken from peer: a whole message up to
 * WIRE_MAX_LOCAL_DATAGRAM bytes if local_whole and peer is a loopback
 * address (addr_scope), else WIRE_MAX_DATAGRAM; longer messages travel in
 * fragments (frag.h) of WIRE_MAX_DATAGRAM.
 */
size_t	wire_whole_max(const struct addr *peer, int local_whole);

/*
 * Bundles (wire_bundle.c).  wire_bundle_check checks a kind-3 datagram
 * whole, before any of it is used: 2..WIRE_BUNDLE_MAX_MSGS entries, each a
 * length and that many bytes that are a kind-0 datagram (wire_peek_kind;
 * no fragment, NACK or bundle inside), nothing after the last.  Returns
 * the number of messages, or -1 with a static reason in *errstr.  After
 * it, wire_bundle_next walks them from *off 0: each call returns the next
 * message's length and sets *msg, and returns 0 at the end.
 */
int	wire_bundle_check(const uint8_t *buf, size_t len, const char **errstr);
size_t	wire_bundle_next(const uint8_t *buf, size_t len, size_t *off,
	    const uint8_t **msg);
/*
 * Joining.  wire_bundle_start writes the bundle's header and the first
 * message's entry (WIRE_HDR_LEN + WIRE_BUNDLE_ENTRY_HDR + len bytes);
 * wire_bundle_add writes one more entry (WIRE_BUNDLE_ENTRY_HDR + len).
 * Both take a kind-0 datagram of at most WIRE_MAX_LOCAL_DATAGRAM bytes.
 */
size_t	wire_bundle_start(uint8_t *out, const uint8_t *msg, size_t len);
size_t	wire_bundle_add(uint8_t *out, const uint8_t *msg, size_t len);

/*
 * Decodes one message (a kind-0 datagram, or a reassembled message) of at
 * most WIRE_MAX_MESSAGE bytes.  Every field is checked against the rules in
 * proto/wire.proto.  Returns 0, or -1 with a static reason in *errstr and
 * nothing to free.  On 0 the caller must call wire_msg_free.
 */
int	wire_decode(const uint8_t *buf, size_t len, struct wire_msg *out,
	    const char **errstr);
void	wire_msg_free(struct wire_msg *);	/* NULL is a no-op */

/* Applies the decoder's rules to a message about to be encoded. */
int	wire_check(const struct wire_msg *, const char **errstr);

/*
 * Writes header + Packet into buf.  Returns the length (at most
 * WIRE_MAX_MESSAGE; more than wire_whole_max needs frag_split), or -1
 * if the message breaks a rule (see wire_check) or does not fit cap.
 */
ssize_t	wire_encode(const struct wire_msg *, uint8_t *buf, size_t cap);
/*
 * As wire_encode, into a buffer of the message's length that it allocates
 * (the caller frees it): the message is laid out and sized once.  NULL if
 * it breaks a rule, is longer than WIRE_MAX_MESSAGE, or memory ran out.
 */
uint8_t	*wire_encode_alloc(const struct wire_msg *, size_t *lenp);
/* What wire_encode would return with an unlimited buffer (no checks). */
size_t	wire_encoded_len(const struct wire_msg *);

/*
 * How many of v[0..n), taken in order, fit into the VALUES, STORE or NOTIFY
 * message m (whose own values and nvalues are ignored) without passing
 * WIRE_MAX_MESSAGE or WIRE_MAX_VALUES_PER_MSG.  A VALUES message's
 * next_offset and total are counted at their largest, so the caller may set
 * them after choosing the page.  One value of EMO_MAX_VALUE bytes always
 * fits, even beside WIRE_MAX_NODES nodes and a full token.  Returns 0 for
 * other types.
 */
size_t	wire_values_fit(const struct wire_msg *m, const struct wire_value *v,
	    size_t n);

const char *wire_type_name(enum wire_type);

#endif
