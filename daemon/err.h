/*
 * err — the one error enum, from the engine up: the engine's operations,
 * node's user operations and the control socket's answers all speak it;
 * control.c maps it to the protocol's ErrorCode in one table.
 */
#ifndef EMO_ERR_H
#define EMO_ERR_H

enum dht_err {
	DHT_OK = 0,
	DHT_ERR_INVALID = 1,
	DHT_ERR_NOT_FOUND = 2,
	DHT_ERR_STORAGE = 5,
	DHT_ERR_UNAVAILABLE = 6,
	DHT_ERR_TIMEOUT = 7,
	DHT_ERR_QUOTA = 8,
};

#endif
