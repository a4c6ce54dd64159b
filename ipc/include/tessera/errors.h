/* Tessera error codes: one enum shared by kernel, servers and wire. */
#ifndef TESSERA_ERRORS_H
#define TESSERA_ERRORS_H

enum ts_err {
	ERR_NONE = 0,
#define ERR(name, value, msg) ERR_##name = (value),
#include <tessera/errors.def>
#undef ERR
	ERR_COUNT
};

/* Text for an error code, positive or negated; "unknown error" otherwise. */
static inline const char *
ts_strerror(long code)
{
	if (code < 0)
		code = -code;
	switch (code) {
	case 0:
		return "success";
#define ERR(name, value, msg) case value: return msg;
#include <tessera/errors.def>
#undef ERR
	default:
		return "unknown error";
	}
}

#endif
