/* A minimal TAP producer for the C unit tests: "ok N - name" lines, the
 * "1..N" plan printed by tap_done(), and a non-zero exit if anything
 * failed. Header-only; each test program includes it once. */
#ifndef WARD_TAP_H
#define WARD_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failures;

static inline bool tap_vok(bool cond, const char *fmt, va_list ap)
{
	tap_count++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
	vprintf(fmt, ap);
	putchar('\n');
	if (!cond)
		tap_failures++;
	fflush(stdout);
	return cond;
}

static inline __attribute__((format(printf, 2, 3))) bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	bool r;

	va_start(ap, fmt);
	r = tap_vok(cond, fmt, ap);
	va_end(ap);
	return r;
}

static inline __attribute__((format(printf, 3, 4))) bool is_str(const char *got, const char *want,
								 const char *fmt, ...)
{
	bool cond = (got == NULL && want == NULL) || (got && want && strcmp(got, want) == 0);
	va_list ap;

	va_start(ap, fmt);
	tap_vok(cond, fmt, ap);
	va_end(ap);
	if (!cond) {
		printf("#   got:      %s%s%s\n", got ? "\"" : "", got ? got : "(null)", got ? "\"" : "");
		printf("#   expected: %s%s%s\n", want ? "\"" : "", want ? want : "(null)",
		       want ? "\"" : "");
	}
	return cond;
}

static inline __attribute__((format(printf, 3, 4))) bool is_int(int64_t got, int64_t want,
								 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vok(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		printf("#   got: %" PRId64 ", expected: %" PRId64 "\n", got, want);
	return got == want;
}

static inline __attribute__((format(printf, 1, 2))) void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Print the plan and return the exit status for main(). */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	if (tap_failures)
		diag("%d of %d tests failed", tap_failures, tap_count);
	return tap_failures ? 1 : 0;
}

#endif
