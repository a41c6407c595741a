/*
 * err — the one error enum, from the engine up: the engine's operations,
 * node's user operations and the control socket's answers all speak it;
 * control.c maps it to emo.ctl.ErrorCode in one table (control_codes).  A
 * new value needs a row there; the build and check_control enforce it.
 */
#ifndef EMO_ERR_H
#define EMO_ERR_H

enum dht_err {
	DHT_OK,
	DHT_ERR_INVALID,	/* malformed or out-of-range request */
	DHT_ERR_NOT_FOUND,	/* no live value under the key */
	DHT_ERR_TOO_LARGE,	/* value over EMO_MAX_VALUE bytes */
	DHT_ERR_STORAGE,	/* the store failed */
	DHT_ERR_UNAVAILABLE,	/* no node answered, shutting down, busy */
	DHT_ERR_TIMEOUT,	/* the network operation timed out */
	DHT_ERR_QUOTA,		/* a storage quota is full */
	DHT_ERR_REFUSED,	/* a value rule refused it (signed, immutable) */
	DHT_ERR_COUNT		/* not an error: how many there are */
};

#endif
