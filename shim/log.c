/* containerd reads the shim's fd 2 (the log FIFO) as logrus JSON lines. */
#include "config.h"
#include "shim/shim.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool shim_debug;

static void json_escape(char *dst, size_t cap, const char *s)
{
	size_t o = 0;
	for (; *s && o + 7 < cap; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)ch;
		} else if (ch < 0x20) {
			o += (size_t)snprintf(dst + o, cap - o, "\\u%04x", ch);
		} else {
			dst[o++] = (char)ch;
		}
	}
	dst[o] = 0;
}

void shim_log(const char *level, const char *fmt, ...)
{
	char msg[1024], esc[2200], line[2600], tbuf[64];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_escape(esc, sizeof esc, msg);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof line,
		     "{\"level\":\"%s\",\"msg\":\"%s\",\"runtime\":\"io.containerd.ward.v2\",\"time\":\"%s.%09ldZ\"}\n",
		     level, esc, tbuf, ts.tv_nsec);
	if (n > 0) {
		ssize_t r = write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
		(void)r;
	}
}
