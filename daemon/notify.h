/*
 * notify — the sd_notify protocol without libsystemd: READY=1, STOPPING=1,
 * STATUS= and WATCHDOG=1 datagrams to $NOTIFY_SOCKET.  Absent variable: a
 * no-op.
 */
#ifndef EMO_NOTIFY_H
#define EMO_NOTIFY_H

#include <stdint.h>

/* Sends one state string; 0 when sent or not under systemd, -1 on error. */
int		notify_send(const char *state);
/* $WATCHDOG_USEC when it is meant for this process, else 0. */
uint64_t	notify_watchdog_usec(void);

#endif
