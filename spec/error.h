/* The one error convention of ward: a fallible function returns < 0 and fills
 * a struct ward_error; callers add context with ward_error_wrap() as the error
 * travels up, and the top level prints it once. */
#ifndef WARD_ERROR_H
#define WARD_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#define WARD_ERROR_MSG_MAX 2048

struct ward_error {
	int errnum;                    /* errno of the root cause, 0 if none */
	char msg[WARD_ERROR_MSG_MAX];  /* "context: context: cause[: strerror]" */
};

/* Set *err from scratch. When errnum != 0, ": strerror(errnum)" is appended.
 * Always returns -1 so callers can `return ward_error_set(...)`. NULL err is allowed. */
int ward_error_set(struct ward_error *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like ward_error_set with errnum = errno. */
int ward_error_errno(struct ward_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prepend "context: " to the message already in *err. Returns -1. */
int ward_error_wrap(struct ward_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void ward_error_clear(struct ward_error *err);

#endif
