/*
 * peerfile — saving and loading known peers.  The file is a hint, never
 * trusted: every address read back is only pinged, like a bootstrap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peerfile.h"

#define PEERFILE_LINE	256

/* Makes a rename in path's directory durable: fsync of the directory. */
static int
peerfile_sync_dir(const char *path)
{
	char dir[4096];
	const char *slash;
	int fd, saved;

	if ((slash = strrchr(path, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path + 1),
	    path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if (fsync(fd) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

int
peerfile_save(const char *path, const struct peerfile_entry *nodes,
    size_t n)
{
	char tmp[4096], hex[ID_HEX_LEN + 1], as[ADDR_STRLEN];
	FILE *f;
	size_t i;
	int fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	fprintf(f, "# emod peers: node id and address, newest first\n");
	for (i = 0; i < n && i < PEERFILE_MAX; i++) {
		id_to_hex(&nodes[i].id, hex);
		fprintf(f, "%s %s\n", hex, addr_str(&nodes[i].addr, as,
		    sizeof(as)));
	}
	if (fflush(f) == EOF || fsync(fd) == -1) {
		saved = errno;
		fclose(f);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	if (fclose(f) == EOF || rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return peerfile_sync_dir(path);
}

long
peerfile_load(const char *path, struct addr *out, size_t max, size_t *bad)
{
	char line[PEERFILE_LINE], *sp, *nl;
	const char *errstr;
	struct id id;
	FILE *f;
	long n = 0;

	*bad = 0;
	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((size_t)n < max && fgets(line, sizeof(line), f) != NULL) {
		if ((nl = strchr(line, '\n')) == NULL && !feof(f)) {
			int c;

			/* Over-long line: skip the rest of it. */
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			(*bad)++;
			continue;
		}
		if (nl != NULL)
			*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if ((sp = strchr(line, ' ')) == NULL ||
		    id_from_hex(&id, line, (size_t)(sp - line)) == -1 ||
		    addr_parse(&out[n], sp + 1, &errstr) == -1) {
			(*bad)++;
			continue;
		}
		n++;
	}
	if (ferror(f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	fclose(f);
	return n;
}
