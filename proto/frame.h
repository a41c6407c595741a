/*
 * frame — control-socket framing shared by emod and emoctl: the 4-byte
 * big-endian length prefix, the size limits, and the default socket path.
 * Owns no sockets and no protobuf types.
 */
#ifndef EMO_FRAME_H
#define EMO_FRAME_H

#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

#define EMO_CTL_VERSION		1
#define EMO_CTL_HDR_LEN		4
#define EMO_CTL_MAX_REQUEST	65536u		/* bytes, after the prefix */
#define EMO_CTL_MAX_RESPONSE	(48u << 20)	/* bytes, after the prefix */
/*
 * The limits below are the only definitions: wire, store, node, control and
 * emoctl all use them.  Plain decimals, so that messages can carry them as
 * text (BYTES_STR in daemon/bytes.h).  Keys are ID_LEN (daemon/id.h) bytes.
 */
#define EMO_MAX_VALUE		32768		/* bytes per value */
#define EMO_MAX_KEY_NAME	1024		/* bytes of a key name */

void	frame_put_len(uint8_t hdr[EMO_CTL_HDR_LEN], uint32_t len);
/* Reads the prefix; returns -1 (and *errstr) if it is 0 or above max. */
int	frame_get_len(const uint8_t hdr[EMO_CTL_HDR_LEN], uint32_t max,
	    uint32_t *len, const char **errstr);
/*
 * The default control socket: /run/emo/emod.sock for root, otherwise
 * $XDG_RUNTIME_DIR/emo/emod.sock or, in the fallback directory,
 * $TMPDIR/emo-UID/emod.sock ($TMPDIR: /tmp unless absolute).
 * Returns -1 if it does not fit.
 */
int	frame_default_socket(char *buf, size_t len);
#define FRAME_MAX_FALLBACK_DIR	64	/* bytes with the NUL */
/*
 * The per-user fallback directory, $TMPDIR/emo-UID (/tmp/emo-UID if
 * $TMPDIR is unset, relative or too long); -1 if it does not fit in buf.
 */
int	frame_fallback_dir(char *buf, size_t len);
/* 1 if path names an entry directly inside dir. */
int	frame_in_dir(const char *path, const char *dir);
/*
 * Opens dir (O_DIRECTORY | O_NOFOLLOW; created with mode 0700 if missing
 * and create is set) and checks on the open descriptor that it is ours:
 * a directory, not a symbolic link, owned by our euid, mode exactly 0700.
 * Returns the descriptor, or -1 with a sentence saying what is wrong and
 * what to fix in err.
 */
int	frame_dir_open_private(const char *dir, int create, char *err,
	    size_t errlen);
/*
 * Runs op (bind or connect) on sock with the address "name" looked up in
 * the directory dirfd, not through a path.  -1 with errno on failure.
 */
int	frame_sock_at(int dirfd, const char *name, int sock,
	    int (*op)(int, const struct sockaddr *, socklen_t));

#endif
