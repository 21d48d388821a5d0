/* Logging in runc's formats: logrus text (time="..." level=error msg="...")
 * or JSON lines ({"level":"error","msg":"...","time":"..."}), to the --log
 * file or to stderr. Each record is one write(2) so that lines from several
 * processes appending to the same file do not interleave. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX (WARD_ERROR_MSG_MAX * 2 + 256)

static int log_fd = -1;      /* --log file; -1: stderr only */
static bool log_json;
static bool log_debug;
static struct timespec log_start; /* debug lines say how long since */

int ward_log_init(const char *path, bool json, bool debug, struct ward_error *err)
{
	int fd = -1;

	if (path && *path) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
		if (fd < 0)
			return ward_error_errno(err, "open log file %s", path);
	}
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	log_json = json;
	log_debug = debug;
	clock_gettime(CLOCK_MONOTONIC, &log_start);
	return 0;
}

bool ward_log_debug_enabled(void)
{
	return log_debug;
}

int ward_log_fd(void)
{
	return log_fd;
}

static const char *level_name(enum ward_log_level level)
{
	switch (level) {
	case WARD_LOG_DEBUG:
		return "debug";
	case WARD_LOG_INFO:
		return "info";
	case WARD_LOG_WARN:
		return "warning";
	case WARD_LOG_ERROR:
		break;
	}
	return "error";
}

/* RFC 3339 local time with numeric offset, "Z" for UTC (Go's time.RFC3339). */
static void format_time(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	char zone[8];

	localtime_r(&now, &tm);
	long off = tm.tm_gmtoff / 60;
	if (off == 0) {
		strcpy(zone, "Z");
	} else {
		char sign = off < 0 ? '-' : '+';
		if (off < 0)
			off = -off;
		snprintf(zone, sizeof(zone), "%c%02ld:%02ld", sign, off / 60, off % 60);
	}
	size_t n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, "%s", zone);
}

struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_putc(struct sbuf *b, char c)
{
	if (b->len + 1 < b->cap)
		b->p[b->len++] = c;
}

static void sb_puts(struct sbuf *b, const char *s)
{
	while (*s)
		sb_putc(b, *s++);
}

/* logrus quotes a text value unless it is made only of these characters. */
static bool text_needs_quoting(const char *s)
{
	if (*s == '\0')
		return true;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("-._/@^+", c)))
			return true;
	}
	return false;
}

/* Quote like Go's %q for the text format, or as a JSON string. Bytes >= 0x80
 * are copied through (UTF-8 stays readable). */
static void sb_quote(struct sbuf *b, const char *s, bool json)
{
	sb_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];
		switch (c) {
		case '"':
			sb_puts(b, "\\\"");
			break;
		case '\\':
			sb_puts(b, "\\\\");
			break;
		case '\n':
			sb_puts(b, "\\n");
			break;
		case '\r':
			sb_puts(b, "\\r");
			break;
		case '\t':
			sb_puts(b, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(esc, sizeof(esc), json ? "\\u%04x" : "\\x%02x", c);
				sb_puts(b, esc);
			} else {
				sb_putc(b, (char)c);
			}
		}
	}
	sb_putc(b, '"');
}

static size_t format_record(char *buf, size_t size, enum ward_log_level level, const char *msg,
			    bool json)
{
	struct sbuf b = { buf, 0, size };
	char ts[64];

	format_time(ts, sizeof(ts));
	if (json) {
		/* logrus sorts the keys: level, msg, time. */
		sb_puts(&b, "{\"level\":\"");
		sb_puts(&b, level_name(level));
		sb_puts(&b, "\",\"msg\":");
		sb_quote(&b, msg, true);
		sb_puts(&b, ",\"time\":\"");
		sb_puts(&b, ts);
		sb_puts(&b, "\"}");
	} else {
		sb_puts(&b, "time=\"");
		sb_puts(&b, ts);
		sb_puts(&b, "\" level=");
		sb_puts(&b, level_name(level));
		sb_puts(&b, " msg=");
		if (text_needs_quoting(msg))
			sb_quote(&b, msg, false);
		else
			sb_puts(&b, msg);
	}
	/* The newline always fits: truncation above leaves room for it. */
	b.p[b.len++] = '\n';
	b.p[b.len] = '\0';
	return b.len;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void emit(enum ward_log_level level, const char *msg)
{
	char line[LOG_LINE_MAX];
	int saved = errno;
	size_t len = format_record(line, sizeof(line) - 1, level, msg, log_json);

	write_all(log_fd >= 0 ? log_fd : STDERR_FILENO, line, len);
	errno = saved;
}

void ward_log(enum ward_log_level level, const char *fmt, ...)
{
	char msg[WARD_ERROR_MSG_MAX];
	va_list ap;

	if (level == WARD_LOG_DEBUG && !log_debug)
		return;
	int saved = errno;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (level == WARD_LOG_DEBUG && n >= 0 && (size_t)n < sizeof(msg)) {
		/* which process, and when since the command began */
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		snprintf(msg + n, sizeof(msg) - (size_t)n, " [pid %d, +%.3f ms]", (int)getpid(),
			 (double)(now.tv_sec - log_start.tv_sec) * 1e3 +
				 (double)(now.tv_nsec - log_start.tv_nsec) / 1e6);
	}
	errno = saved;
	emit(level, msg);
}

/* runc: with --log, the record goes to the file (containerd's shim reads the
 * last error from there) and the bare message to stderr for the human; with
 * no --log, the record goes to stderr once. */
void ward_log_error(const struct ward_error *err)
{
	const char *msg = err && err->msg[0] ? err->msg : "unknown error";

	emit(WARD_LOG_ERROR, msg);
	if (log_fd >= 0) {
		char line[WARD_ERROR_MSG_MAX + 2];
		int n = snprintf(line, sizeof(line), "%s\n", msg);
		if (n >= (int)sizeof(line))
			n = sizeof(line) - 1;
		write_all(STDERR_FILENO, line, (size_t)n);
	}
}
