/*
 * main — emod's entry point: options over the configuration file over the
 * built-in defaults, then the start-up order (data directory lock, node
 * identity, store and UDP via node_new, control socket, readiness), the
 * signal handlers, and teardown in reverse order.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "atrest.h"
#include "conf.h"
#include "control.h"
#include "crypto.h"
#include "id.h"
#include "ident.h"
#include "frame.h"
#include "log.h"
#include "metrics.h"
#include "node.h"
#include "notify.h"
#include "perm.h"

#define MAIN_MAX_OPTS	(CONF_MAX_BOOTSTRAP + 16)

struct emod {
	struct conf		 conf;
	struct conf		 file_conf;	/* the file as read at start */
	const char		*config_path;
	struct event_base	*base;
	struct node		*node;
	struct control		*ctl;
	struct metrics		*metrics;	/* NULL: metrics_listen off */
	struct perm		*perm;
	struct event		*ev_term, *ev_int, *ev_hup, *ev_watchdog;
	int			 lock_fd;
	int			 sock_dirfd;	/* checked fallback dir, or -1 */
	int			 bootstrap_from_options;	/* SIGHUP keeps them */
	struct keys_pair	 keys;		/* DATA_DIR/node.key */
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: emod [--config FILE] [--listen HOST:PORT] [--bootstrap HOST:PORT]...\n"
"            [--data-dir DIR] [--socket PATH] [--storage leveldb|memory]\n"
"            [--check-config] [-v] [--version] [--help]\n"
"\n"
"  -c, --config FILE        read FILE (key = value lines; see emod.conf(5));\n"
"                           without it the built-in defaults are used\n"
"  -l, --listen HOST:PORT   UDP address (default 0.0.0.0:9000)\n"
"  -b, --bootstrap HOST:PORT  a node to join through; repeatable, replaces\n"
"                           the file's list\n"
"  -d, --data-dir DIR       where the store and node identity live\n"
"  -s, --socket PATH        control socket for emoctl\n"
"      --storage KIND       leveldb (default) or memory\n"
"  -n, --check-config       check the configuration, print it, and exit\n"
"  -v                       more verbose logging (repeat for debug)\n"
"  -V, --version            print the version and exit\n"
"  -h, --help               print this help and exit\n"
"\n"
"emod runs in the foreground and logs to stderr; SIGTERM or SIGINT stops it,\n"
"SIGHUP reloads the configuration file.\n");
}

/*
 * When the socket or the data directory is in the per-user fallback
 * directory ($TMPDIR/emo-UID, shared /tmp), that directory must be ours
 * and private, or another user could rename or replace what is in it.
 * Created 0700 if missing; its descriptor goes to control_new.
 */
static int
main_fallback_dir(struct emod *e, char *err, size_t errlen)
{
	char fb[FRAME_MAX_FALLBACK_DIR];
	int fd, sock;

	if (frame_fallback_dir(fb, sizeof(fb)) == -1)
		return 0;
	sock = frame_in_dir(e->conf.socket, fb);
	if (!sock && !frame_in_dir(e->conf.data_dir, fb))
		return 0;
	if ((fd = frame_dir_open_private(fb, 1, err, errlen)) == -1)
		return -1;
	if (sock)
		e->sock_dirfd = fd;
	else
		close(fd);
	return 0;
}

static int
main_mkdirs(const char *path, mode_t mode, char *err, size_t errlen)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "path too long: %s", path);
		return -1;
	}
	for (p = buf + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, mode) == -1 && errno != EEXIST) {
				snprintf(err, errlen, "cannot create %s: %s",
				    buf, strerror(errno));
				return -1;
			}
			*p = c;
			if (c == '\0')
				break;
		}
	}
	return 0;
}

/* DIR/NAME into buf; -1 with a message if it does not fit. */
static int
main_path(char *buf, size_t len, const char *dir, const char *name,
    char *err, size_t errlen)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len) {
		snprintf(err, errlen, "path too long: %s/%s", dir, name);
		return -1;
	}
	return 0;
}

/* One emod per data directory, whatever the storage backend. */
static int
main_lock(struct emod *e, char *err, size_t errlen)
{
	char path[PATH_MAX], pid[32];
	ssize_t n;

	if (main_path(path, sizeof(path), e->conf.data_dir, "emod.lock", err,
	    errlen) == -1)
		return -1;
	e->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (e->lock_fd == -1) {
		snprintf(err, errlen, "cannot open %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (flock(e->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(e->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errlen, "data directory %s is in use by another "
		    "emod (pid %s)", e->conf.data_dir, pid[0] ? pid : "unknown");
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(e->lock_fd, 0) == -1 ||
	    pwrite(e->lock_fd, pid, (size_t)n, 0) != n)
		log_warn("%s", path);
	return 0;
}

/*
 * The node's identity: its Ed25519 key pair in DATA_DIR/node.key, made on
 * first start (keys_write: O_EXCL, 0600, fsynced with the directory) with
 * an ID that meets id_difficulty; the ID is Keccak-256 of the public key
 * (ident.h).  A key file that is there but bad, or whose ID misses the
 * difficulty, stops the start: the message says why.  The random ID of
 * older versions (DATA_DIR/node_id) is ignored, and said so once.
 */
static int
main_identity(struct emod *e, char *err, size_t errlen)
{
	char path[PATH_MAX], old[PATH_MAX], msg[PATH_MAX + 128];
	struct id id;
	long tries;

	if (main_path(path, sizeof(path), e->conf.data_dir, "node.key", err,
	    errlen) == -1 || main_path(old, sizeof(old), e->conf.data_dir,
	    "node_id", err, errlen) == -1)
		return -1;
	switch (keys_load(path, &e->keys, msg, sizeof(msg))) {
	case KEYS_OK:
		ident_id(e->keys.pub, &id);
		if (ident_meets(&id, e->conf.id_difficulty))
			return 0;
		snprintf(err, errlen, "%s: its node ID has %u leading zero "
		    "bits of proof of work, id_difficulty is %u: peers would "
		    "refuse it (move the file away for a new identity, or "
		    "lower id_difficulty on every node)", path,
		    ident_zero_bits(&id), e->conf.id_difficulty);
		return -1;
	case KEYS_MISSING:
		break;
	default:
		snprintf(err, errlen, "%s", msg);
		return -1;
	}
	if ((tries = ident_generate(&e->keys, &id, e->conf.id_difficulty,
	    NULL, NULL)) == -1) {
		snprintf(err, errlen, "no key pair met id_difficulty %u in "
		    "%ld tries", e->conf.id_difficulty,
		    (long)IDENT_TRIES_FACTOR << e->conf.id_difficulty);
		return -1;
	}
	if (keys_write(path, &e->keys, err, errlen) == -1)
		return -1;
	log_info("new node identity in %s (%ld key pair%s tried for "
	    "id_difficulty %u)", path, tries, tries == 1 ? "" : "s",
	    e->conf.id_difficulty);
	if (access(old, F_OK) == 0)
		log_warnx("%s is ignored: the node ID is now Keccak-256 of the "
		    "public key in %s (docs/OPERATIONS.md)", old, path);
	return 0;
}

/*
 * --check-config: what start-up would refuse, checked without starting.
 * A directory emod creates must have a writable nearest ancestor; one
 * that exists must be a directory it can write to.
 */
static int
main_check_dir(const char *what, const char *path, char *err, size_t errlen)
{
	char buf[PATH_MAX], *slash;
	struct stat sb;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		snprintf(err, errlen, "%s %s: path too long", what, path);
		return -1;
	}
	while (stat(buf, &sb) == -1) {
		if (errno != ENOENT || (slash = strrchr(buf, '/')) == NULL) {
			snprintf(err, errlen, "%s %s: %s", what, path,
			    strerror(errno));
			return -1;
		}
		*(slash == buf ? slash + 1 : slash) = '\0';
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s %s: %s is not a directory", what, path,
		    buf);
		return -1;
	}
	if (access(buf, W_OK | X_OK) == -1) {
		snprintf(err, errlen, "%s %s: %s: %s", what, path,
		    strcmp(buf, path) == 0 ? "cannot write to it" :
		    "cannot create it in", strerror(errno));
		if (strcmp(buf, path) != 0)
			snprintf(err + strlen(err), errlen - strlen(err),
			    " (%s)", buf);
		return -1;
	}
	return 0;
}

/* The storage key file loads (missing, mode, size: its message). */
static int
main_check_key(const struct conf *c, char *err, size_t errlen)
{
	uint8_t key[ATREST_KEY_LEN];
	enum keys_status ks;

	ks = atrest_load(c->storage_key_file, key, err, errlen);
	atrest_wipe(key, sizeof(key));
	return ks == KEYS_OK ? 0 : -1;
}

/* Not inlined, for the reason main_files gives. */
static int __attribute__((noinline))
main_check(const struct conf *c, char *err, size_t errlen)
{
	char dir[PATH_MAX], *slash;
	const char *errstr;
	struct addr a;
	struct stat sb;
	int fd, rc;

	if (addr_parse(&a, c->listen, &errstr) == -1) {
		snprintf(err, errlen, "listen %s: %s (a numeric A.B.C.D:PORT "
		    "or [V6]:PORT; emod resolves no names)", c->listen, errstr);
		return -1;
	}
	/* An address of this host, and a port we may bind. */
	if ((fd = socket(addr_family(&a), SOCK_DGRAM | SOCK_CLOEXEC, 0)) != -1) {
		rc = bind(fd, &a.u.sa, a.len);
		if (rc == -1 && errno == EADDRINUSE)
			fprintf(stderr, "emod: note: listen %s is in use now (by "
			    "a running emod?)\n", c->listen);
		else if (rc == -1) {
			snprintf(err, errlen, "listen %s: %s", c->listen,
			    errno == EADDRNOTAVAIL ? "not an address of this "
			    "host" : strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	if (c->socket_group[0] != '\0' && getgrnam(c->socket_group) == NULL) {
		snprintf(err, errlen, "socket_group: no group named %s",
		    c->socket_group);
		return -1;
	}
	if (main_check_dir("data_dir", c->data_dir, err, errlen) == -1)
		return -1;
	if (c->storage_key_file[0] != '\0' && main_check_key(c, err,
	    errlen) == -1)
		return -1;
	if (lstat(c->socket, &sb) == 0 && !S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "socket %s exists and is a %s, not a "
		    "socket", c->socket, S_ISDIR(sb.st_mode) ? "directory" :
		    "regular file or other file");
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", c->socket);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir)
		*slash = '\0';
	return main_check_dir("socket", dir, err, errlen);
}

/*
 * The directories, the lock and the identity.  Not inlined: its path
 * buffers (about 17 KB) would otherwise stay in main's frame, under the
 * event loop, for the daemon's whole life, and every page of stack the
 * loop reaches below them is private memory.
 */
static int __attribute__((noinline))
main_files(struct emod *e, char *err, size_t errlen)
{
	/* Before anything is created in it: the fallback dir must be ours. */
	if (main_fallback_dir(e, err, errlen) == -1)
		return -1;
	if (main_mkdirs(e->conf.data_dir, 0700, err, errlen) == -1 ||
	    main_lock(e, err, errlen) == -1 ||
	    main_identity(e, err, errlen) == -1)
		fatalx("%s", err);
	return 0;
}

/*
 * sched_batch: SCHED_BATCH or SCHED_OTHER (sched(7)), at start.  Under
 * SCHED_BATCH a datagram that wakes emod does not preempt the task that
 * is running; emod runs when that task's turn ends or on an idle CPU.
 * The nodes a put's STOREs wake then do not interrupt the send one by
 * one (docs/BENCH.md).  Another policy set from
 * outside (SCHED_IDLE, a real-time one) is left as it is; a refusal (a
 * system call filter) is logged and emod goes on.
 */
static void
main_sched(int batch)
{
	struct sched_param sp = { .sched_priority = 0 };
	int cur, want = batch ? SCHED_BATCH : SCHED_OTHER;

	if ((cur = sched_getscheduler(0)) == want)
		return;
	if (cur != SCHED_OTHER && cur != SCHED_BATCH) {
		log_info("sched_batch: scheduling policy %d set from outside, "
		    "left as it is", cur);
		return;
	}
	if (sched_setscheduler(0, want, &sp) == -1)
		log_warn("sched_batch = %s: cannot set the scheduling policy "
		    "to %s", batch ? "yes" : "no",
		    batch ? "SCHED_BATCH" : "SCHED_OTHER");
}

static void
main_stop_cb(evutil_socket_t sig, short what, void *arg)
{
	struct emod *e = arg;

	log_info("%s received, shutting down",
	    sig == SIGTERM ? "SIGTERM" : "SIGINT");
	(void)notify_send("STOPPING=1");
	event_base_loopexit(e->base, NULL);
}

/* The keys SIGHUP applies; every other change needs a restart. */
static const char *const main_reloadable[] = { "log_level", "bootstrap" };

/*
 * Which keys changed in the file since start and need a restart: logged,
 * and shown by `emoctl status`.  Compared with the file as read at start,
 * so that command-line options do not count as changes.
 */
static void
main_restart_keys(struct emod *e, const struct conf *c)
{
	const char *diff[CONF_MAX_KEYS], *keep[CONF_MAX_KEYS];
	char list[1024];
	size_t n, i, j, nkeep = 0, off = 0;

	n = conf_diff(&e->file_conf, c, diff, CONF_MAX_KEYS);
	for (i = 0; i < n && i < CONF_MAX_KEYS; i++) {
		for (j = 0; j < sizeof(main_reloadable) /
		    sizeof(main_reloadable[0]); j++)
			if (strcmp(diff[i], main_reloadable[j]) == 0)
				break;
		if (j == sizeof(main_reloadable) / sizeof(main_reloadable[0]))
			keep[nkeep++] = diff[i];
	}
	control_set_restart_keys(e->ctl, keep, nkeep);
	list[0] = '\0';
	for (i = 0; i < nkeep && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
		    i > 0 ? ", " : "", keep[i]);
	if (nkeep > 0)
		log_warnx("SIGHUP: changed in %s but applied only by a "
		    "restart: %s", e->config_path, list);
}

/* SIGHUP: reload what can change at runtime, say what changed. */
static void
main_hup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct emod *e = arg;
	struct conf c;
	char err[512];
	const char *errstr;
	int changed = 0;

	(void)notify_send("RELOADING=1");
	if (e->config_path == NULL) {
		log_info("SIGHUP: no configuration file to reload");
		(void)notify_send("READY=1");
		return;
	}
	conf_defaults(&c);
	if (conf_load(&c, e->config_path, err, sizeof(err)) == -1) {
		log_warnx("SIGHUP: keeping the running configuration: %s", err);
		conf_free(&c);
		(void)notify_send("READY=1");
		return;
	}
	if (conf_validate(&c, &errstr) == -1) {
		log_warnx("SIGHUP: keeping the running configuration: %s: %s",
		    e->config_path, errstr);
		conf_free(&c);
		(void)notify_send("READY=1");
		return;
	}
	if (c.log_level != log_getlevel()) {
		log_setlevel(c.log_level);
		log_warnx("SIGHUP: log_level is now %s",
		    log_level_name(c.log_level));
		changed = 1;
	}
	e->conf.log_level = c.log_level;
	if (!e->bootstrap_from_options &&
	    !conf_same_bootstrap(&c, &e->conf)) {
		/* Swapped: c's free releases the old list. */
		char *old[CONF_MAX_BOOTSTRAP];
		unsigned nold = e->conf.nbootstrap;

		memcpy(old, e->conf.bootstrap, sizeof(old));
		memcpy(e->conf.bootstrap, c.bootstrap, sizeof(old));
		e->conf.nbootstrap = c.nbootstrap;
		memcpy(c.bootstrap, old, sizeof(old));
		c.nbootstrap = nold;
		log_warnx("SIGHUP: bootstrap list now has %u address%s; joining "
		    "through it", e->conf.nbootstrap,
		    e->conf.nbootstrap == 1 ? "" : "es");
		node_rejoin(e->node);
		changed = 1;
	}
	main_restart_keys(e, &c);
	conf_free(&c);
	if (!changed)
		log_info("SIGHUP: %s reloaded, nothing to change now",
		    e->config_path);
	(void)notify_send("READY=1");
}

static void
main_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)notify_send("WATCHDOG=1");
}

struct main_opt {
	const char	*key;
	const char	*value;
	const char	*flag;
};

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",	  required_argument, NULL, 'c' },
		{ "listen",	  required_argument, NULL, 'l' },
		{ "bootstrap",	  required_argument, NULL, 'b' },
		{ "data-dir",	  required_argument, NULL, 'd' },
		{ "socket",	  required_argument, NULL, 's' },
		{ "storage",	  required_argument, NULL, 'S' },
		{ "check-config", no_argument,	     NULL, 'n' },
		{ "version",	  no_argument,	     NULL, 'V' },
		{ "help",	  no_argument,	     NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct main_opt opts[MAIN_MAX_OPTS];
	struct emod e;
	char err[1024], hex[ID_HEX_LEN + 1];
	const char *errstr;
	size_t nopts = 0, i;
	int ch, verbose = 0, check = 0, cleared = 0, rv = 1;
	uint64_t wd;

	memset(&e, 0, sizeof(e));
	e.lock_fd = -1;
	e.sock_dirfd = -1;
	log_init(LOG_LEVEL_INFO, "emod");
	while ((ch = getopt_long(argc, argv, "c:l:b:d:s:nvVh", longopts,
	    NULL)) != -1) {
		const char *key = NULL, *flag = NULL;

		switch (ch) {
		case 'c':
			e.config_path = optarg;
			continue;
		case 'l': key = "listen"; flag = "--listen"; break;
		case 'b': key = "bootstrap"; flag = "--bootstrap"; break;
		case 'd': key = "data_dir"; flag = "--data-dir"; break;
		case 's': key = "socket"; flag = "--socket"; break;
		case 'S': key = "storage"; flag = "--storage"; break;
		case 'n':
			check = 1;
			continue;
		case 'v':
			verbose++;
			continue;
		case 'V':
			printf("emod %s\n", EMO_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
		if (nopts == MAIN_MAX_OPTS) {
			fprintf(stderr, "emod: too many options\n");
			return 1;
		}
		opts[nopts].key = key;
		opts[nopts].flag = flag;
		opts[nopts].value = optarg;
		nopts++;
	}
	if (optind != argc) {
		fprintf(stderr, "emod: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 1;
	}

	/* Defaults, then the file, then the options. */
	conf_defaults(&e.conf);
	if (e.config_path != NULL &&
	    conf_load(&e.conf, e.config_path, err, sizeof(err)) == -1) {
		fprintf(stderr, "emod: %s\n", err);
		goto out;
	}
	if (conf_copy(&e.file_conf, &e.conf) == -1) {
		fprintf(stderr, "emod: out of memory\n");
		goto out;
	}
	for (i = 0; i < nopts; i++) {
		if (strcmp(opts[i].key, "bootstrap") == 0 && !cleared) {
			(void)conf_set(&e.conf, "bootstrap", "", &errstr);
			cleared = 1;
			e.bootstrap_from_options = 1;
		}
		if (conf_set_msg(&e.conf, opts[i].key, opts[i].value, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "emod: %s: %s\n", opts[i].flag, err);
			goto out;
		}
	}
	if (verbose > 0)
		e.conf.log_level = verbose > 1 ? LOG_LEVEL_DEBUG :
		    (e.conf.log_level < LOG_LEVEL_INFO ? LOG_LEVEL_INFO :
		    LOG_LEVEL_DEBUG);
	if (conf_validate(&e.conf, &errstr) == -1) {
		fprintf(stderr, "emod: %s%s%s\n",
		    e.config_path ? e.config_path : "", e.config_path ? ": " : "",
		    errstr);
		goto out;
	}
	if (check) {
		if (main_check(&e.conf, err, sizeof(err)) == -1) {
			fprintf(stderr, "emod: %s\n", err);
			goto out;
		}
		conf_print(&e.conf, stdout);
		rv = 0;
		goto out;
	}
	log_setlevel(e.conf.log_level);
	main_sched(e.conf.sched_batch);

	/* node.h, "The heap": freed operations stay for the next ones. */
	mallopt(M_TRIM_THRESHOLD, NODE_TRIM_THRESHOLD);
	if (crypto_init() == -1)
		fatalx("libsodium failed to initialise");
	signal(SIGPIPE, SIG_IGN);
	if (main_files(&e, err, sizeof(err)) == -1) {
		fprintf(stderr, "emod: %s\n", err);
		goto out;
	}

	if ((e.base = event_base_new()) == NULL ||
	    event_base_priority_init(e.base, 2) == -1)
		fatalx("cannot create the event loop");
	e.node = node_new(e.base, &e.conf, &e.keys, err, sizeof(err));
	keys_wipe(&e.keys);	/* the engine keeps its own copy */
	if (e.node == NULL)
		fatalx("%s", err);
	if ((e.perm = perm_new(e.base, e.node, node_store(e.node), err,
	    sizeof(err))) == NULL) {
		node_free(e.node);
		fatalx("%s", err);
	}
	if ((e.ctl = control_new(e.base, e.node, &e.conf, e.sock_dirfd, err,
	    sizeof(err))) == NULL) {
		node_free(e.node);
		perm_free(e.perm);
		fatalx("%s", err);
	}
	control_set_perm(e.ctl, e.perm);
	if (e.conf.metrics_listen[0] != '\0' && (e.metrics = metrics_new(e.base,
	    e.node, e.ctl, e.conf.metrics_listen, err, sizeof(err))) == NULL) {
		control_free(e.ctl);
		node_free(e.node);
		perm_free(e.perm);
		fatalx("%s", err);
	}
	e.ev_term = evsignal_new(e.base, SIGTERM, main_stop_cb, &e);
	e.ev_int = evsignal_new(e.base, SIGINT, main_stop_cb, &e);
	e.ev_hup = evsignal_new(e.base, SIGHUP, main_hup_cb, &e);
	if (e.ev_term == NULL || e.ev_int == NULL || e.ev_hup == NULL ||
	    evsignal_add(e.ev_term, NULL) == -1 ||
	    evsignal_add(e.ev_int, NULL) == -1 ||
	    evsignal_add(e.ev_hup, NULL) == -1)
		fatalx("cannot install signal handlers");
	if ((wd = notify_watchdog_usec()) != 0) {
		/* Keep-alives at half the interval, from the loop itself. */
		struct timeval tv = { (time_t)(wd / 2000000),
		    (suseconds_t)(wd / 2 % 1000000) };

		e.ev_watchdog = event_new(e.base, -1, EV_PERSIST,
		    main_watchdog_cb, &e);
		if (e.ev_watchdog == NULL || event_add(e.ev_watchdog, &tv) == -1)
			fatalx("cannot arm the watchdog timer");
	}

	{
		struct node_status st;

		node_status(e.node, &st);
		id_to_hex(&st.id, hex);
		log_info("emod %s ready: node %s, udp %s, control socket %s, "
		    "data %s (%s), %llu values", EMO_VERSION, hex, st.listen,
		    e.conf.socket, e.conf.data_dir, st.storage,
		    (unsigned long long)st.store.values);
		if (e.metrics != NULL)
			log_info("metrics at http://%s/metrics",
			    e.conf.metrics_listen);
	}
	(void)notify_send("READY=1\nSTATUS=serving");

	event_base_dispatch(e.base);

	metrics_free(e.metrics);
	control_free(e.ctl);
	node_free(e.node);	/* its aborted puts call back into perm */
	perm_free(e.perm);
	if (e.ev_watchdog != NULL)
		event_free(e.ev_watchdog);
	event_free(e.ev_term);
	event_free(e.ev_int);
	event_free(e.ev_hup);
	event_base_free(e.base);
	libevent_global_shutdown();
	if (e.lock_fd != -1)
		close(e.lock_fd);
	log_info("stopped");
	rv = 0;
out:
	conf_free(&e.conf);
	conf_free(&e.file_conf);
	return rv;
}
