#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);
	if (n < 0)
		buf[0] = '\0';
}

int ward_error_set(struct ward_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vformat(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->errnum = errnum;
	if (errnum != 0) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(errnum));
	}
	return -1;
}

int ward_error_errno(struct ward_error *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vformat(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->errnum = saved;
	if (saved != 0) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(saved));
	}
	errno = saved;
	return -1;
}

int ward_error_wrap(struct ward_error *err, const char *fmt, ...)
{
	char prefix[512];
	char old[WARD_ERROR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vformat(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	return -1;
}

void ward_error_clear(struct ward_error *err)
{
	if (err == NULL)
		return;
	err->errnum = 0;
	err->msg[0] = '\0';
}
