/*
 * emoctl — command-line client of emod: argv -> one typed Request -> send
 * -> print -> exit code.  Owns option parsing and the command table (from
 * which usage and help are generated); the request builders of the
 * plain commands are ctl_build.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctl.h"
#include "keys.h"
#include "id.h"

#ifndef EMO_VERSION
#define EMO_VERSION	"unknown"
#endif

enum ctl_optid {
	CTL_O_SOCKET,
	CTL_O_JSON,
	CTL_O_HEXKEY,
	CTL_O_TIMEOUT,
	CTL_O_TTL,
	CTL_O_SINCE,
	CTL_O_LATEST,
	CTL_O_RAW,
	CTL_O_NUL,
	CTL_O_OUTPUT,
	CTL_O_MIN_ACKS,
	CTL_O_PERMANENT,
	CTL_O_COUNT,
	CTL_O_ENCRYPT_TO,
	CTL_O_DECRYPT,
	CTL_O_SIGN,
	CTL_O_SEQ,
	CTL_O_IMMUTABLE,
	CTL_O_SIGNED_BY,
	CTL_O_HELP,
	CTL_O_VERSION,
};

struct ctl_opt {
	int		 shortname;	/* 0: long form only */
	const char	*longname;
	const char	*argname;	/* NULL: takes no argument */
	enum ctl_optid	 id;
	unsigned	 cmdopt;	/* CTL_OPT_*; 0 for global options */
	const char	*help;
};

static const struct ctl_opt ctl_opts[] = {
	{ 's', "socket", "PATH", CTL_O_SOCKET, 0,
	    "control socket; default $EMO_SOCKET, else" },
	{ 'j', "json", NULL, CTL_O_JSON, 0,
	    "print the answer as JSON" },
	{ 'x', "hex-key", NULL, CTL_O_HEXKEY, 0,
	    "KEY is 64 hex digits: the raw 32-byte key" },
	{ 't', "timeout", "SECONDS", CTL_O_TIMEOUT, 0,
	    "wait at most SECONDS (1..3600) for emod; default 30" },
	{ 0, "ttl", "TIME", CTL_O_TTL, CTL_OPT_TTL,
	    "put: keep the value for TIME: 90s, 10m, 1h, 7d or\n"
	    "seconds, at most emod's max_ttl (default: its\n"
	    "default_ttl)" },
	{ 0, "min-acks", "N", CTL_O_MIN_ACKS, CTL_OPT_MIN_ACKS,
	    "put: fail (exit 4) unless N nodes, this one included,\n"
	    "stored the value (1.." BYTES_STR(CTL_MAX_MIN_ACKS) ")" },
	{ 0, "since", "UNIX_MS", CTL_O_SINCE, CTL_OPT_SINCE,
	    "get, watch: only values created at or after UNIX_MS" },
	{ 0, "latest", NULL, CTL_O_LATEST, CTL_OPT_LATEST,
	    "get: only the newest value" },
	{ 0, "raw", NULL, CTL_O_RAW, CTL_OPT_RAW,
	    "get: the value's bytes exactly, no newline (one value:\n"
	    "with several, only with --latest)" },
	{ '0', "null", NULL, CTL_O_NUL, CTL_OPT_NUL,
	    "get: end each value with a NUL byte, not a newline" },
	{ 'o', "output", "FILE", CTL_O_OUTPUT, CTL_OPT_OUTPUT,
	    "get: write the newest value's bytes to FILE" },
	{ 0, "permanent", NULL, CTL_O_PERMANENT, CTL_OPT_PERMANENT,
	    "put: emod re-puts the value until cancelled" },
	{ 0, "count", "N", CTL_O_COUNT, CTL_OPT_COUNT,
	    "watch: exit after N values (1..4294967295)" },
	{ 0, "encrypt-to", "PUBKEY", CTL_O_ENCRYPT_TO, CTL_OPT_ENCRYPT,
	    "put: seal VALUE for the holder of the Ed25519 key\n"
	    "PUBKEY (64 hex digits); nodes store only ciphertext" },
	{ 0, "decrypt", "FILE", CTL_O_DECRYPT, CTL_OPT_DECRYPT,
	    "get: print the values the key in FILE opens, say\n"
	    "how many it could not" },
	{ 0, "sign", "FILE", CTL_O_SIGN, CTL_OPT_SIGN,
	    "put: sign with the key in FILE (see keygen); then\n"
	    "put NAME VALUE stores under Keccak-256(public key ‖ NAME)" },
	{ 0, "seq", "N", CTL_O_SEQ, CTL_OPT_SEQ,
	    "put --sign: sequence number (default: now in Unix ms)" },
	{ 0, "immutable", NULL, CTL_O_IMMUTABLE, CTL_OPT_IMMUTABLE,
	    "put VALUE: store under Keccak-256(VALUE), which every\n"
	    "node checks" },
	{ 0, "signed-by", "PUBKEY", CTL_O_SIGNED_BY, CTL_OPT_SIGNED_BY,
	    "get NAME: the value PUBKEY (64 hex digits) signed under\n"
	    "NAME, verified here; the highest seq" },
	{ 'h', "help", NULL, CTL_O_HELP, 0, "show this help" },
	{ 'V', "version", NULL, CTL_O_VERSION, 0, "show emoctl's version" },
};

struct ctl_cmd {
	const char	*name;
	int		 minargs;
	int		 maxargs;
	unsigned	 opts;		/* CTL_OPT_* accepted */
	int		 needkey;	/* the first argument is a KEY */
	/* Local commands have no builder and run without emod. */
	int		(*build)(struct ctl_inv *, Emo__Ctl__Request *);
	Emo__Ctl__Response__BodyCase answer;
	int		(*print)(const struct ctl_inv *,
			    const Emo__Ctl__Response *);
	const char	*args;		/* usage after the name */
	const char	*help;		/* one line */
	const char	*detail;	/* for `help COMMAND` */
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "put", 1, 2, CTL_OPT_TTL | CTL_OPT_MIN_ACKS | CTL_OPT_PERMANENT |
	    CTL_OPT_ENCRYPT | CTL_OPT_SIGN | CTL_OPT_SEQ | CTL_OPT_IMMUTABLE, 1,
	    ctl_build_put, EMO__CTL__RESPONSE__BODY_PUT, ctl_print_put,
	    "KEY VALUE [--ttl TIME] [--min-acks N] [--permanent] "
	    "[--encrypt-to PUBKEY]\n"
	    "  put --sign FILE NAME VALUE [--seq N] | put --immutable VALUE",
	    "store VALUE under KEY (VALUE - reads stdin)",
	    "Stores VALUE (1 to " BYTES_STR(EMO_MAX_VALUE) " bytes) under KEY "
	    "on the nodes closest to\n"
	    "the key.  VALUE - reads the value from standard input up to end\n"
	    "of file, binary-safe.  A VALUE starting with - goes after --.\n"
	    "--ttl TIME keeps it that long instead of emod's default_ttl:\n"
	    "90s, 10m, 1h, 7d (the units of emod.conf) or plain seconds; above\n"
	    "the node's max_ttl is refused, and the message names the limit.\n"
	    "--permanent: emod puts it again before it expires, across\n"
	    "restarts, until 'emoctl cancel KEY VALUE_ID'.\n"
	    "Prints the size, the key, how many nodes acknowledged it and\n"
	    "the value's id.\n"
	    "A put that no peer acknowledged fails (exit 4, \"stored on this\n"
	    "node only\") on a node that has a bootstrap list or has had\n"
	    "peers; a node alone by design (no bootstrap, never a peer)\n"
	    "succeeds with 1.  --min-acks N sets the bar instead: N nodes,\n"
	    "this one included (--min-acks 1 accepts this node alone).\n"
	    "--encrypt-to PUBKEY seals VALUE for the holder of that Ed25519\n"
	    "key (64 hex digits) before it leaves emoctl: the nodes store\n"
	    "\"EMO\" 0x01 and a libsodium sealed box, 52 bytes more, so VALUE\n"
	    "is then at most 32716 bytes.\n"
	    "--sign FILE NAME VALUE: a signed value under Keccak-256(public\n"
	    "key ‖ NAME) (NAME 1 to 64 bytes), signed here with FILE's key\n"
	    "(emoctl keygen), seq --seq N or the current Unix time in ms,\n"
	    "TTL --ttl or 1h; nodes keep only the highest seq and refuse an\n"
	    "older one (exit 4, ERR_REFUSED).  --immutable VALUE: stored under\n"
	    "Keccak-256(VALUE), printed.  Neither with --permanent.\n" },
	{ "get", 1, 1, CTL_OPT_SINCE | CTL_OPT_LATEST | CTL_OPT_RAW |
	    CTL_OPT_NUL | CTL_OPT_OUTPUT | CTL_OPT_DECRYPT | CTL_OPT_SIGNED_BY,
	    1, ctl_build_get, EMO__CTL__RESPONSE__BODY_GET, ctl_crypt_print_get,
	    "KEY [--since UNIX_MS] [--latest] [--raw] [-0] [-o FILE] "
	    "[--decrypt FILE]\n"
	    "  get --signed-by PUBKEY NAME",
	    "print the live values stored under KEY",
	    "Prints every live value under KEY, oldest first, each followed\n"
	    "by a newline.  --since UNIX_MS keeps values created at or after\n"
	    "that time (milliseconds since 1970).  Exits 1 if there is none\n"
	    "(--json prints []), 4 if no node could be asked (network down).\n"
	    "--latest prints only the newest value; --raw writes the bytes\n"
	    "with nothing added (one value, or with --latest); -0 ends each\n"
	    "value with a NUL instead of a newline; -o FILE writes the newest\n"
	    "value's bytes to FILE and prints nothing.\n"
	    "When the values do not fit one answer (48 MiB), prints the oldest\n"
	    "that fit, says on stderr where to continue with --since, exits 0\n"
	    "(--latest and -o read on to the newest instead).\n"
	    "--decrypt FILE (an Ed25519 key file, mode 0600) prints only the\n"
	    "values put with --encrypt-to for its public key, decrypted, and\n"
	    "says on stderr how many values it could not decrypt; exits 1\n"
	    "when it could decrypt none.\n"
	    "--signed-by PUBKEY NAME: the key is Keccak-256(PUBKEY ‖ NAME);\n"
	    "every value is verified here, the one of the highest seq printed\n"
	    "(--json adds signer and seq); how many failed is said on stderr.\n" },
	{ "watch", 1, 1, CTL_OPT_SINCE | CTL_OPT_COUNT, 1, ctl_watch_build,
	    EMO__CTL__RESPONSE__BODY_WATCH, NULL,
	    "KEY [--since UNIX_MS] [--count N]",
	    "print each value stored under KEY as it arrives",
	    "Prints the live values under KEY, then each new value stored\n"
	    "under it anywhere in the network as it arrives, one per line\n"
	    "(--json: one JSON object per line), each value once.  --since\n"
	    "UNIX_MS leaves out values created before.  Exits 0 after --count\n"
	    "N values, or on SIGINT or SIGTERM; --timeout bounds only the\n"
	    "connection.\n" },
	{ "keygen", 1, 1, 0, 0, NULL, EMO__CTL__RESPONSE__BODY__NOT_SET, NULL,
	    "FILE",
	    "write a new Ed25519 key pair to FILE (offline)",
	    "Writes a new Ed25519 key pair to FILE (64 bytes: seed and public\n"
	    "key, mode 0600; FILE must not exist) and prints the public key\n"
	    "as 64 hex digits, for put --sign and get --signed-by.\n" },
	{ "hash", 1, 1, 0, 1, NULL, EMO__CTL__RESPONSE__BODY__NOT_SET, NULL,
	    "KEY",
	    "print KEY's 32-byte key in hex (offline)",
	    "Prints Keccak-256 of the bytes of KEY as 64 lowercase hex\n"
	    "digits: the key that put and get use for KEY.\n" },
	{ "status", 0, 0, 0, 0, ctl_build_status,
	    EMO__CTL__RESPONSE__BODY_STATUS, ctl_print_status,
	    "",
	    "show the node's state and counters",
	    "Prints the node ID, listen address, uptime, peers, stored keys,\n"
	    "values and bytes, storage, version, data directory and every\n"
	    "counter, one per line.\n" },
	{ "peers", 0, 0, 0, 0, ctl_build_peers,
	    EMO__CTL__RESPONSE__BODY_PEERS, ctl_print_peers,
	    "",
	    "list the routing table",
	    "Prints one line per peer: ID, address, time since it was last\n"
	    "heard from, and round-trip time (- when not measured yet).\n" },
	{ "ping", 1, 1, 0, 0, ctl_build_ping,
	    EMO__CTL__RESPONSE__BODY_PING, ctl_print_ping,
	    "HOST:PORT",
	    "ping a node and print its ID and round-trip time",
	    "Has emod ping the node at HOST:PORT ([V6]:PORT for IPv6) and\n"
	    "prints the node's ID and the round-trip time in ms.  A host\n"
	    "name is resolved by emoctl (emod takes numeric addresses).\n" },
	{ "log", 1, 1, 0, 0, ctl_build_log,
	    EMO__CTL__RESPONSE__BODY_LOG, ctl_print_log,
	    "warn|info|debug",
	    "set emod's log level",
	    "Sets emod's log verbosity until it restarts or reloads its\n"
	    "configuration (SIGHUP), which set the file's log_level again;\n"
	    "prints the level.\n" },
	{ "permanent", 0, 0, 0, 0, ctl_perm_build_list,
	    EMO__CTL__RESPONSE__BODY_PERMANENT, ctl_perm_print_list,
	    "",
	    "list the values this node keeps alive",
	    "Prints one line per permanent value: key (its name if put by\n"
	    "name), value id, size, TTL and when emod puts it again.\n" },
	{ "cancel", 2, 2, 0, 1, ctl_perm_build_cancel,
	    EMO__CTL__RESPONSE__BODY_CANCEL, ctl_perm_print_cancel,
	    "KEY VALUE_ID",
	    "stop keeping a permanent value alive",
	    "Takes the value with VALUE_ID (32 hex digits, as put and\n"
	    "'get --json' show it) under KEY off the permanent list; it then\n"
	    "expires at the end of its TTL.  Exits 1 if it is not on the list.\n" },
	{ "help", 0, 1, 0, 0, NULL, EMO__CTL__RESPONSE__BODY__NOT_SET, NULL,
	    "[COMMAND]",
	    "show the help, or a command's help",
	    "Without COMMAND, lists commands, options and exit codes.\n" },
};

_Static_assert(CTL_CRYPT_MAX_PLAIN == 32716, "put's help names the limit");

#define CTL_NCMDS	(sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))
#define CTL_MAX_PAGES	4096	/* --latest: answers read to the newest */
#define CTL_NOPTS	(sizeof(ctl_opts) / sizeof(ctl_opts[0]))

static const char ctl_synopsis[] = "usage: emoctl [--socket PATH] [--json] "
    "[-x|--hex-key] [--timeout SECONDS] COMMAND [ARGS]\n";

static const char ctl_exits[] =
    "exit status:\n"
    "  0  success\n"
    "  1  key not found (the network answered: there is no value)\n"
    "  2  usage error or invalid input\n"
    "  3  emod unreachable (no socket, permission denied, connection\n"
    "     refused or closed)\n"
    "  4  any other failure (error from emod, network unavailable, put\n"
    "     stored on fewer nodes than asked, timeout, I/O error)\n"
    "with --json, errors are one JSON object per line on stderr:\n"
    "  {\"error\":TEXT} and, from emod, \"command\", \"code\", \"message\"\n";

static const struct ctl_cmd *
ctl_cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < CTL_NCMDS; i++)
		if (strcmp(ctl_cmds[i].name, name) == 0)
			return &ctl_cmds[i];
	return NULL;
}

static void
ctl_usage(FILE *f)
{
	char sock[256], arg[64];
	const char *h, *nl;
	size_t i;
	int n;

	if (frame_default_socket(sock, sizeof(sock)) == -1)
		strcpy(sock, "(none)");
	fputs(ctl_synopsis, f);
	fputs("\ncommands:\n", f);
	for (i = 0; i < CTL_NCMDS; i++) {
		n = fprintf(f, "  %s%s%s", ctl_cmds[i].name,
		    ctl_cmds[i].args[0] != '\0' ? " " : "", ctl_cmds[i].args);
		/* A long synopsis puts the help on a line of its own. */
		if (n > 31)
			fprintf(f, "\n%33s%s\n", "", ctl_cmds[i].help);
		else
			fprintf(f, "%*s%s\n", 33 - n, "", ctl_cmds[i].help);
	}
	fputs("\noptions:\n", f);
	for (i = 0; i < CTL_NOPTS; i++) {
		if (ctl_opts[i].shortname != 0)
			snprintf(arg, sizeof(arg), "-%c, --%s%s%s",
			    ctl_opts[i].shortname, ctl_opts[i].longname,
			    ctl_opts[i].argname ? " " : "",
			    ctl_opts[i].argname ? ctl_opts[i].argname : "");
		else
			snprintf(arg, sizeof(arg), "    --%s%s%s",
			    ctl_opts[i].longname,
			    ctl_opts[i].argname ? " " : "",
			    ctl_opts[i].argname ? ctl_opts[i].argname : "");
		/* A long option puts its help on the next line. */
		if (strlen(arg) > 22)
			fprintf(f, "  %s\n%25s", arg, "");
		else
			fprintf(f, "  %-22s ", arg);
		for (h = ctl_opts[i].help; (nl = strchr(h, '\n')) != NULL;
		    h = nl + 1)
			fprintf(f, "%.*s\n%25s", (int)(nl - h), h, "");
		fprintf(f, "%s\n", h);
		if (ctl_opts[i].id == CTL_O_SOCKET)
			fprintf(f, "%25s%s\n", "", sock);
	}
	fputc('\n', f);
	fputs(ctl_exits, f);
}

static void
ctl_usage_cmd(FILE *f, const struct ctl_cmd *cmd)
{
	/* With --json, stderr carries JSON only. */
	if (f == stderr && ctl_print_json_errors_on())
		return;
	fprintf(f, "usage: emoctl [options] %s%s%s\n", cmd->name,
	    cmd->args[0] != '\0' ? " " : "", cmd->args);
}

static int
ctl_help(const struct ctl_inv *inv)
{
	const struct ctl_cmd *cmd;

	if (inv->npos == 0) {
		ctl_usage(stdout);
		return CTL_EXIT_OK;
	}
	if ((cmd = ctl_cmd_find(inv->pos[0])) == NULL) {
		ctl_warnx("help: unknown command '%s'", inv->pos[0]);
		return CTL_EXIT_USAGE;
	}
	ctl_usage_cmd(stdout, cmd);
	printf("\n%s", cmd->detail);
	return CTL_EXIT_OK;
}

static const struct ctl_opt *
ctl_opt_find(int shortname, const char *longname, size_t longlen)
{
	size_t i;

	for (i = 0; i < CTL_NOPTS; i++) {
		if (shortname != 0 && ctl_opts[i].shortname == shortname)
			return &ctl_opts[i];
		if (longname != NULL &&
		    strlen(ctl_opts[i].longname) == longlen &&
		    strncmp(ctl_opts[i].longname, longname, longlen) == 0)
			return &ctl_opts[i];
	}
	return NULL;
}

/* Applies one option; *flags collects --help and --version. */
static int
ctl_opt_apply(struct ctl_inv *inv, const struct ctl_opt *o, const char *val,
    unsigned *flags)
{
	const char *errstr;
	uint64_t v;

	switch (o->id) {
	case CTL_O_SOCKET:
		inv->socket = val;
		break;
	case CTL_O_JSON:
		inv->json = 1;
		break;
	case CTL_O_HEXKEY:
		inv->hexkey = 1;
		break;
	case CTL_O_TIMEOUT:
		if (ctl_args_uint(val, 1, CTL_TIMEOUT_MAX_S, &v,
		    &errstr) == -1) {
			ctl_warnx("invalid --timeout '%s': %s (1..%d seconds)",
			    val, errstr, CTL_TIMEOUT_MAX_S);
			return -1;
		}
		inv->timeout_s = (int)v;
		break;
	case CTL_O_TTL:
		if (conf_parse_duration(val, 1, UINT32_MAX, &v,
		    &errstr) == -1) {
			ctl_warnx("invalid --ttl '%s': %s (90s, 10m, 1h, 7d or "
			    "seconds, at most emod's max_ttl)", val, errstr);
			return -1;
		}
		inv->ttl_s = (uint32_t)v;
		break;
	case CTL_O_MIN_ACKS:
		if (ctl_args_uint(val, 1, CTL_MAX_MIN_ACKS, &v,
		    &errstr) == -1) {
			ctl_warnx("invalid --min-acks '%s': %s (1..%d)", val,
			    errstr, CTL_MAX_MIN_ACKS);
			return -1;
		}
		inv->min_acks = (uint32_t)v;
		break;
	case CTL_O_OUTPUT:
		if (val[0] == '\0') {
			ctl_warnx("invalid -o '': empty file name");
			return -1;
		}
		inv->output = val;
		break;
	case CTL_O_LATEST:
	case CTL_O_RAW:
	case CTL_O_NUL:
		break;
	case CTL_O_SINCE:
		if (ctl_args_uint(val, 0, INT64_MAX, &v, &errstr) == -1) {
			ctl_warnx("invalid --since '%s': %s (Unix time in ms)",
			    val, errstr);
			return -1;
		}
		inv->since_ms = (int64_t)v;
		break;
	case CTL_O_PERMANENT:
		inv->perm = 1;
		break;
	case CTL_O_SIGN:
		inv->signfile = val;
		break;
	case CTL_O_SEQ:
		if (ctl_args_uint(val, 0, UINT64_MAX, &v, &errstr) == -1) {
			ctl_warnx("invalid --seq '%s': %s", val, errstr);
			return -1;
		}
		inv->seq = v;
		break;
	case CTL_O_IMMUTABLE:
		break;
	case CTL_O_SIGNED_BY:
		if (ctl_args_hex(val, inv->signer, sizeof(inv->signer)) ==
		    -1) {
			ctl_warnx("invalid --signed-by '%s': a public key is 64 "
			    "hex digits", val);
			return -1;
		}
		break;
	case CTL_O_COUNT:
		if (ctl_args_uint(val, 1, UINT32_MAX, &v, &errstr) == -1) {
			ctl_warnx("invalid --count '%s': %s (1..%" PRIu32 ")",
			    val, errstr, UINT32_MAX);
			return -1;
		}
		inv->count = (uint32_t)v;
		break;
	case CTL_O_ENCRYPT_TO:
		if (ctl_crypt_pubkey(val, inv->encpub, &errstr) == -1) {
			ctl_warnx("invalid --encrypt-to '%.*s': %s",
			    2 * KEYS_PUBLIC_LEN + 1, val, errstr);
			return -1;
		}
		break;
	case CTL_O_DECRYPT:
		if (val[0] == '\0') {
			ctl_warnx("invalid --decrypt '': empty file name");
			return -1;
		}
		inv->decrypt_file = val;
		break;
	case CTL_O_HELP:
	case CTL_O_VERSION:
		*flags |= 1u << o->id;
		break;
	}
	inv->given |= o->cmdopt;
	return 0;
}

static int
ctl_positional(struct ctl_inv *inv, const char *arg, int *extra)
{
	if (inv->cmd == NULL) {
		if ((inv->cmd = ctl_cmd_find(arg)) == NULL) {
			ctl_warnx("unknown command '%s' (try 'emoctl help')",
			    arg);
			return -1;
		}
		inv->cmdname = arg;
	} else if (inv->npos < CTL_MAX_POSITIONAL)
		inv->pos[inv->npos++] = arg;
	else
		(*extra)++;
	return 0;
}

/*
 * Whether --json is on the command line, looked for before parsing so
 * that parse errors are JSON too: --json, -j, or -j among short flags.
 */
static int
ctl_wants_json(int argc, char **argv)
{
	const struct ctl_opt *o;
	const char *a;
	int i, j;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "--json") == 0)
			return 1;
		if (a[0] != '-' || a[1] == '-' || a[1] == '\0')
			continue;
		for (j = 1; a[j] != '\0'; j++) {
			if ((o = ctl_opt_find(a[j], NULL, 0)) == NULL ||
			    o->argname != NULL)
				break;
			if (o->id == CTL_O_JSON)
				return 1;
		}
	}
	return 0;
}

/*
 * Options may come before or after the command; "--" ends them, and a
 * lone "-" is an argument (VALUE from stdin).
 */
static int
ctl_parse(struct ctl_inv *inv, int argc, char **argv, unsigned *flags)
{
	const struct ctl_opt *o;
	const char *a, *eq, *val;
	int i, j, endopts = 0, extra = 0;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (endopts || a[0] != '-' || a[1] == '\0') {
			if (ctl_positional(inv, a, &extra) == -1)
				return -1;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			endopts = 1;
			continue;
		}
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			o = ctl_opt_find(0, a + 2,
			    eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (o == NULL)
				goto unknown;
			val = NULL;
			if (o->argname != NULL) {
				if (eq != NULL)
					val = eq + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else
					goto noarg;
			} else if (eq != NULL) {
				ctl_warnx("option --%s takes no argument",
				    o->longname);
				return -1;
			}
			if (ctl_opt_apply(inv, o, val, flags) == -1)
				return -1;
			continue;
		}
		for (j = 1; a[j] != '\0'; j++) {
			if ((o = ctl_opt_find(a[j], NULL, 0)) == NULL)
				goto unknown;
			val = NULL;
			if (o->argname != NULL) {
				if (a[j + 1] != '\0')
					val = a + j + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else
					goto noarg;
			}
			if (ctl_opt_apply(inv, o, val, flags) == -1)
				return -1;
			if (val != NULL)
				break;
		}
	}
	if (extra > 0 || (inv->cmd != NULL && inv->npos > inv->cmd->maxargs)) {
		ctl_warnx("%s: too many arguments", inv->cmdname);
		goto cmdusage;
	}
	return 0;
unknown:
	ctl_warnx("unknown option '%s' (an argument starting with - goes "
	    "after --)", a);
	return -1;
noarg:
	ctl_warnx("option '%s' needs an argument", a);
	return -1;
cmdusage:
	ctl_usage_cmd(stderr, inv->cmd);
	return -1;
}

static const char *
ctl_answer_name(Emo__Ctl__Response__BodyCase body)
{
	size_t i;

	if (body == EMO__CTL__RESPONSE__BODY__NOT_SET)
		return "missing";
	for (i = 0; i < CTL_NCMDS; i++)
		if (ctl_cmds[i].answer == body)
			return ctl_cmds[i].name;
	return "unknown";
}

/* Sends the built request and prints the answer; returns an exit code. */
static int
ctl_remote(struct ctl_inv *inv, Emo__Ctl__Request *req)
{
	Emo__Ctl__Response *resp = NULL;
	struct ctl_io io;
	char defsock[256];
	const char *path = inv->socket;
	int rc, pages;

	if (path == NULL && (path = getenv("EMO_SOCKET")) != NULL &&
	    path[0] == '\0')
		path = NULL;
	if (path == NULL) {
		if (frame_default_socket(defsock, sizeof(defsock)) == -1) {
			ctl_warnx("the default socket path is too long; "
			    "use --socket");
			return CTL_EXIT_USAGE;
		}
		path = defsock;
	}
	if ((rc = ctl_io_open(&io, path, inv->timeout_s)) != CTL_EXIT_OK)
		return rc;
	if (inv->cmd->build == ctl_watch_build) {
		rc = ctl_watch_run(inv, &io, req);
		ctl_io_close(&io);
		return rc;
	}
	rc = ctl_io_call(&io, req, &resp);
	/*
	 * The newest value may be among those a truncated answer left out
	 * (they are newer than what it holds): read on from where it ended.
	 */
	for (pages = 1; rc == CTL_EXIT_OK && inv->latest_scan &&
	    resp->body_case == EMO__CTL__RESPONSE__BODY_GET &&
	    resp->get->truncated && pages < CTL_MAX_PAGES; pages++) {
		inv->get.since_ms = resp->get->next_since_ms;
		emo__ctl__response__free_unpacked(resp, NULL);
		resp = NULL;
		rc = ctl_io_call(&io, req, &resp);
	}
	ctl_io_close(&io);
	if (rc != CTL_EXIT_OK)
		return rc;
	if (resp->body_case == EMO__CTL__RESPONSE__BODY_ERROR &&
	    resp->error != NULL)
		rc = ctl_print_daemon_error(inv, resp->error);
	else if (resp->body_case != inv->cmd->answer) {
		ctl_warnx("%s: emod answered a %s request with a %s result",
		    path, inv->cmd->name, ctl_answer_name(resp->body_case));
		rc = CTL_EXIT_FAIL;
	} else if (inv->given & CTL_OPT_SIGNED_BY)
		rc = ctl_sig_print_get(inv, resp);
	else
		rc = inv->cmd->print(inv, resp);
	emo__ctl__response__free_unpacked(resp, NULL);
	return rc;
}

static int
ctl_run(struct ctl_inv *inv)
{
	Emo__Ctl__Request req = EMO__CTL__REQUEST__INIT;
	const struct ctl_cmd *cmd = inv->cmd;
	const char *errstr;
	unsigned bad;
	size_t i;
	int rc;

	if ((bad = inv->given & ~cmd->opts) != 0) {
		for (i = 0; i < CTL_NOPTS; i++)
			if (ctl_opts[i].cmdopt & bad)
				break;
		ctl_warnx("%s: option --%s does not apply", cmd->name,
		    i < CTL_NOPTS ? ctl_opts[i].longname : "?");
		ctl_usage_cmd(stderr, cmd);
		return CTL_EXIT_USAGE;
	}
	if (inv->npos < cmd->minargs) {
		ctl_warnx("%s: missing argument", cmd->name);
		ctl_usage_cmd(stderr, cmd);
		return CTL_EXIT_USAGE;
	}
	if ((errstr = ctl_args_conflict(inv, strcmp(inv->cmd->name, "put") == 0)) != NULL) {
		ctl_warnx("%s: %s", cmd->name, errstr);
		return CTL_EXIT_USAGE;
	}
	inv->latest_scan = (inv->given & (CTL_OPT_LATEST | CTL_OPT_OUTPUT)) != 0;
	/*
	 * "" is a valid name (Keccak-256 of nothing) but, typed to put or
	 * get, almost always an unset shell variable: refused; hash gives
	 * its hex, which -x takes.
	 */
	if (inv->given & (CTL_OPT_SIGN | CTL_OPT_IMMUTABLE |
	    CTL_OPT_SIGNED_BY))
		;	/* the key is derived (ctl_sig.c) */
	else if (cmd->needkey && cmd->build != NULL && !inv->hexkey &&
	    inv->pos[0][0] == '\0') {
		ctl_warnx("invalid key: empty key (an empty name is refused; "
		    "give its 32-byte key as hex: -x \"$(emoctl hash '')\")");
		return CTL_EXIT_USAGE;
	}
	else if (cmd->needkey &&
	    ctl_args_key(inv->pos[0], inv->hexkey, inv->key, &errstr) == -1) {
		if (inv->hexkey && strlen(inv->pos[0]) <= 2 * ID_HEX_LEN)
			ctl_warnx("invalid key '%s': %s (--hex-key)",
			    inv->pos[0], errstr);
		else
			ctl_warnx("invalid key: %s", errstr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(cmd->name, "help") == 0)
		return ctl_help(inv);
	if (strcmp(cmd->name, "keygen") == 0)
		return ctl_sig_keygen(inv);
	if (cmd->build == NULL)
		return ctl_print_hash(inv);
	if ((rc = cmd->build(inv, &req)) != CTL_EXIT_OK)
		return rc;
	return ctl_remote(inv, &req);
}

int
main(int argc, char *argv[])
{
	struct ctl_inv inv;
	unsigned flags = 0;
	int rc;

	memset(&inv, 0, sizeof(inv));
	inv.timeout_s = CTL_TIMEOUT_DEFAULT_S;
	ctl_print_json_errors(ctl_wants_json(argc, argv));
	if (ctl_parse(&inv, argc, argv, &flags) == -1)
		return CTL_EXIT_USAGE;
	if (flags & (1u << CTL_O_VERSION)) {
		printf("emoctl %s\n", EMO_VERSION);
		rc = CTL_EXIT_OK;
	} else if (flags & (1u << CTL_O_HELP)) {
		if (inv.cmd != NULL && strcmp(inv.cmd->name, "help") != 0) {
			ctl_usage_cmd(stdout, inv.cmd);
			printf("\n%s", inv.cmd->detail);
		} else
			ctl_usage(stdout);
		rc = CTL_EXIT_OK;
	} else if (inv.cmd == NULL) {
		ctl_warnx("no command given");
		if (!inv.json)
			ctl_usage(stderr);
		rc = CTL_EXIT_USAGE;
	} else
		rc = ctl_run(&inv);
	free(inv.valuebuf);
	ctl_crypt_done(&inv);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		ctl_warnx("writing to stdout: %s", strerror(errno));
		if (rc == CTL_EXIT_OK)
			rc = CTL_EXIT_FAIL;
	}
	return rc;
}
