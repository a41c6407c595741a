/*
 * conf_impl — conf internals for the conf unit test and the config fuzzer.
 * Other modules use conf.h only.
 */
#ifndef EMO_CONF_IMPL_H
#define EMO_CONF_IMPL_H

#include <stddef.h>
#include <stdio.h>

#include "conf.h"

/*
 * conf_load on an open stream; name is the path used in messages
 * ("NAME:LINE: reason").  Does not close fp.
 */
int	conf_load_stream(struct conf *, FILE *, const char *name, char *err,
	    size_t errlen);
/* The one-line help of the i-th key; NULL past the end. */
const char *conf_key_help(unsigned i);

#endif
