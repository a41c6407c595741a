/*
 * frame — the control-socket length prefix and default paths, shared by
 * emod and emoctl.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bytes.h"
#include "frame.h"

void
frame_put_len(uint8_t hdr[EMO_CTL_HDR_LEN], uint32_t len)
{
	bytes_put_be32(hdr, len);
}

int
frame_get_len(const uint8_t hdr[EMO_CTL_HDR_LEN], uint32_t max,
    uint32_t *len, const char **errstr)
{
	uint32_t n;

	n = bytes_get_be32(hdr);
	if (n == 0) {
		*errstr = "empty frame";
		return -1;
	}
	if (n > max) {
		*errstr = "frame length over the maximum";
		return -1;
	}
	*len = n;
	return 0;
}

int
frame_default_socket(char *buf, size_t len)
{
	const char *rt;
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, len, "/run/emo/emod.sock");
	else if ((rt = getenv("XDG_RUNTIME_DIR")) != NULL && rt[0] == '/')
		n = snprintf(buf, len, "%s/emo/emod.sock", rt);
	else
		n = snprintf(buf, len, "/tmp/emo-%u/emod.sock",
		    (unsigned)geteuid());
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}
