/* Helpers shared by the spec unit tests. */
#ifndef WARD_TEST_SPEC_COMMON_H
#define WARD_TEST_SPEC_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "tap.h"

#ifndef WARD_TEST_SRCDIR
#define WARD_TEST_SRCDIR "."
#endif

#define FULL_JSON WARD_TEST_SRCDIR "/tests/unit/configs/full.json"

/* Whole file, NUL-terminated; aborts the test program on failure. */
static inline char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rbe");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* JSON written with ' for " so test tables stay readable. */
static inline char *dq(const char *s)
{
	char *r = strdup(s);
	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

#endif
