/*
 * ctl — what emoctl's files share: exit codes, the parsed invocation, and
 * the entry points of ctl_args.c (strict argument parsers), ctl_io.c (the
 * control socket) and ctl_print.c (human and JSON output).
 */
#ifndef EMO_CTL_H
#define EMO_CTL_H

#include <stdint.h>
#include <stdio.h>

#include "control.pb-c.h"
#include "addr.h"
#include "bytes.h"
#include "frame.h"
#include "id.h"
#include "keys.h"

enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_NOTFOUND = 1,		/* no live value under the key */
	CTL_EXIT_USAGE = 2,		/* bad command line or input */
	CTL_EXIT_UNREACHABLE = 3,	/* no daemon on the socket */
	CTL_EXIT_FAIL = 4,		/* daemon error, timeout, I/O error */
};

#define CTL_TIMEOUT_DEFAULT_S	30
#define CTL_TIMEOUT_MAX_S	3600
#define CTL_MAX_POSITIONAL	2	/* no command takes more */
#define CTL_VALUE_ID_LEN	16	/* a value id: BLAKE2b-256 head */
#define CTL_MAX_ADDRESS		270	/* "[" 253-byte host "]:" 5 digits */

/* Command options; a command row lists the ones it accepts. */
#define CTL_OPT_TTL		0x01
#define CTL_OPT_SINCE		0x02
#define CTL_OPT_LATEST		0x04
#define CTL_OPT_RAW		0x08
#define CTL_OPT_NUL		0x10
#define CTL_OPT_OUTPUT		0x20
#define CTL_OPT_MIN_ACKS	0x40

#define CTL_MAX_MIN_ACKS	64	/* as emod's CONTROL_MAX_MIN_ACKS */
#define CTL_OPT_PERMANENT	0x100
#define CTL_OPT_COUNT		0x200
#define CTL_OPT_ENCRYPT		0x400	/* put --encrypt-to PUBKEY */
#define CTL_OPT_DECRYPT		0x800	/* get --decrypt FILE */

/* The envelope of an encrypted value: "EMO" 0x01, then a sealed box. */
#define CTL_CRYPT_MAGIC_LEN	4
#define CTL_CRYPT_OVERHEAD	(CTL_CRYPT_MAGIC_LEN + KEYS_SEAL_OVERHEAD)
#define CTL_CRYPT_MAX_PLAIN	(EMO_MAX_VALUE - CTL_CRYPT_OVERHEAD)
#define CTL_OPT_SIGN		0x1000
#define CTL_OPT_SEQ		0x2000
#define CTL_OPT_IMMUTABLE	0x4000
#define CTL_OPT_SIGNED_BY	0x8000
#define CTL_SIGN_TTL_DEFAULT_S	3600	/* --sign without --ttl */

struct ctl_cmd;

/* One invocation: the command line after parsing, and what was built. */
struct ctl_inv {
	const char		*socket;
	int			 json;
	int			 hexkey;
	int			 timeout_s;
	const struct ctl_cmd	*cmd;
	const char		*cmdname;	/* as typed */
	const char		*pos[CTL_MAX_POSITIONAL];
	int			 npos;
	unsigned		 given;		/* CTL_OPT_* seen */
	uint32_t		 ttl_s;
	uint32_t		 min_acks;
	const char		*output;	/* get -o FILE */
	int			 latest_scan;	/* read truncated answers on */
	int64_t			 since_ms;
	uint32_t		 count;		/* watch: 0 = until stopped */
	uint8_t			 key[ID_LEN];
	const uint8_t		*value;		/* put */
	size_t			 valuelen;
	uint8_t			*valuebuf;	/* value read from stdin */
	char			 pingaddr[ADDR_STRLEN];	/* resolved */
	/* Request sub-messages live here so building needs no allocation. */
	Emo__Ctl__PutRequest	 put;
	Emo__Ctl__GetRequest	 get;
	Emo__Ctl__StatusRequest	 status;
	Emo__Ctl__PeersRequest	 peers;
	Emo__Ctl__PingRequest	 ping;
	Emo__Ctl__LogRequest	 log;
	Emo__Ctl__CancelRequest	 cancel;
	Emo__Ctl__PermanentRequest permanent;
	int			 perm;		/* put --permanent */
	uint8_t			 vid[CTL_VALUE_ID_LEN];	/* cancel */
	Emo__Ctl__WatchRequest	 watch;
	uint8_t			 encpub[KEYS_PUBLIC_LEN];	/* --encrypt-to */
	uint8_t			*sealbuf;	/* the envelope put sends */
	const char		*decrypt_file;	/* --decrypt */
	struct keys_pair	 dkey;		/* its key, once loaded */
	const char		*signfile;	/* put --sign FILE */
	uint64_t		 seq;		/* put --seq N */
	uint8_t			 signer[32];	/* get --signed-by */
	uint8_t			 sig[64];	/* put --sign: the signature */
};

/* ctl_args.c — strict parsers; *errstr gets a static reason on failure. */
/*
 * Options that cannot go together (put: the command is put), as the
 * message to print; NULL if none.
 */
const char	*ctl_args_conflict(const struct ctl_inv *, int put);
int	ctl_args_uint(const char *, uint64_t min, uint64_t max, uint64_t *,
	    const char **errstr);
int	ctl_args_key(const char *, int hexkey, uint8_t key[ID_LEN],
	    const char **errstr);
int	ctl_args_address(const char *, const char **errstr);
int	ctl_args_level(const char *, const char **errstr);
/* Reads a whole stream, refusing more than max bytes (errno EFBIG). */
int	ctl_args_slurp(FILE *, size_t max, uint8_t **, size_t *);

/* ctl_io.c — one connection; every function prints its own errors. */
struct ctl_io {
	int			 fd;
	const char		*path;
	int			 timeout_s;
	int64_t			 deadline_ms;	/* CLOCK_MONOTONIC */
	uint64_t		 next_id;
};

int	ctl_io_open(struct ctl_io *, const char *path, int timeout_s);
int	ctl_io_call(struct ctl_io *, Emo__Ctl__Request *,
	    Emo__Ctl__Response **);
/* The next answer to request id (a watch streams several). */
int	ctl_io_recv(struct ctl_io *, uint64_t id, Emo__Ctl__Response **);
void	ctl_io_close(struct ctl_io *);

/* ctl_print.c — formatting helpers and one printer per command. */
/*
 * Errors: "emoctl: MESSAGE" on stderr, or with --json one line
 * {"error":"MESSAGE"} (ctl_print_json_errors switches, before parsing).
 */
void	ctl_print_json_errors(int);
int	ctl_print_json_errors_on(void);
void	ctl_warnx(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
/* An error from emod: code is its ErrorCode name, e.g. ERR_UNAVAILABLE. */
void	ctl_print_error(const char *cmd, const char *what, const char *code,
	    const char *message);
void	ctl_print_json_string(FILE *, const void *, size_t);
void	ctl_print_base64(FILE *, const void *, size_t);
void	ctl_print_hex(FILE *, const uint8_t *, size_t);
void	ctl_print_safe(FILE *, const void *, size_t);
int64_t	ctl_print_ttl_left(int64_t expires_ms, int64_t now_ms);
void	ctl_print_notfound(const struct ctl_inv *);
int	ctl_print_hash(const struct ctl_inv *);
int	ctl_print_daemon_error(const struct ctl_inv *,
	    const Emo__Ctl__Error *);
int	ctl_print_put(const struct ctl_inv *, const Emo__Ctl__Response *);
int	ctl_print_get(const struct ctl_inv *, const Emo__Ctl__Response *);
int	ctl_print_status(const struct ctl_inv *, const Emo__Ctl__Response *);
int	ctl_print_peers(const struct ctl_inv *, const Emo__Ctl__Response *);
int	ctl_print_ping(const struct ctl_inv *, const Emo__Ctl__Response *);
int	ctl_print_log(const struct ctl_inv *, const Emo__Ctl__Response *);

/* ctl_build.c — the requests of the plain commands. */
int	ctl_build_put(struct ctl_inv *, Emo__Ctl__Request *);
int	ctl_build_get(struct ctl_inv *, Emo__Ctl__Request *);
int	ctl_build_status(struct ctl_inv *, Emo__Ctl__Request *);
int	ctl_build_peers(struct ctl_inv *, Emo__Ctl__Request *);
int	ctl_build_ping(struct ctl_inv *, Emo__Ctl__Request *);
int	ctl_build_log(struct ctl_inv *, Emo__Ctl__Request *);

/* ctl_perm.c — permanent values: the requests and their printers. */
int	ctl_perm_build_cancel(struct ctl_inv *, Emo__Ctl__Request *);
int	ctl_perm_build_list(struct ctl_inv *, Emo__Ctl__Request *);
int	ctl_perm_print_cancel(const struct ctl_inv *,
	    const Emo__Ctl__Response *);
int	ctl_perm_print_list(const struct ctl_inv *,
	    const Emo__Ctl__Response *);

/* ctl_crypt.c — encrypted values (put --encrypt-to, get --decrypt). */
int	ctl_crypt_pubkey(const char *hex, uint8_t pub[KEYS_PUBLIC_LEN],
	    const char **errstr);
/* Replaces inv's value by its envelope; an exit code. */
int	ctl_crypt_seal(struct ctl_inv *);
/* The message for a value too long to encrypt; CTL_EXIT_USAGE. */
int	ctl_crypt_toolarge(void);
/* Loads --decrypt's key file (exit 2 with keys_load's message). */
int	ctl_crypt_load(struct ctl_inv *);
/* get's printer: with --decrypt, the values the key opens. */
int	ctl_crypt_print_get(const struct ctl_inv *,
	    const Emo__Ctl__Response *);
/* Frees the envelope and wipes the key. */
void	ctl_crypt_done(struct ctl_inv *);
/* ctl_sig.c — keygen, signed and immutable puts, get --signed-by. */
int	ctl_sig_keygen(const struct ctl_inv *);
int	ctl_sig_build_put(struct ctl_inv *, Emo__Ctl__Request *);
int	ctl_sig_build_get(struct ctl_inv *, Emo__Ctl__Request *);
int	ctl_sig_print_get(const struct ctl_inv *, const Emo__Ctl__Response *);
int	ctl_args_hex(const char *, uint8_t *out, size_t len);

/* ctl_watch.c — the watch command: a stream of answers. */
int	ctl_watch_build(struct ctl_inv *, Emo__Ctl__Request *);
int	ctl_watch_run(struct ctl_inv *, struct ctl_io *, Emo__Ctl__Request *);

#endif
