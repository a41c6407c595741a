/*
 * replay — runs a libFuzzer target's LLVMFuzzerTestOneInput over every file
 * of the corpus directories given on the command line, without clang, so
 * `make test` replays the saved corpus on every build.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_MAX_INPUT	(1u << 20)	/* bytes per corpus file */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
replay_file(const char *path, uint8_t *buf)
{
	FILE *f;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct dirent *de;
	char path[4096];
	uint8_t *buf;
	DIR *d;
	int i, files = 0, errors = 0;

	if ((buf = malloc(REPLAY_MAX_INPUT)) == NULL)
		return 1;
	for (i = 1; i < argc; i++) {
		if ((d = opendir(argv[i])) == NULL) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			errors++;
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", argv[i],
			    de->d_name) >= (int)sizeof(path))
				continue;
			if (replay_file(path, buf) == -1)
				errors++;
			else
				files++;
		}
		closedir(d);
	}
	free(buf);
	printf("replayed %d inputs, %d unreadable\n", files, errors);
	return errors > 0 || files == 0 ? 1 : 0;
}
