/* /etc/passwd parsed by hand. getpwuid() would load NSS modules: from the
 * container image when called inside it (code from the image in a still
 * privileged process), and from the host's glibc in a static ward (which
 * must match the glibc ward was linked against). Non-blocking open and a
 * size cap keep a FIFO or a huge file from stalling us. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "passwd.h"

#define PASSWD_MAX_BYTES (4 << 20)

char *passwd_lookup(uid_t uid, enum passwd_field field)
{
	cleanup_close int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	cleanup_file FILE *f = NULL;
	cleanup_free char *line = NULL;
	size_t cap = 0, total = 0;
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	f = fdopen(fd, "r");
	if (f == NULL)
		return NULL;
	steal_fd(fd);
	while ((n = getline(&line, &cap, f)) > 0 && total < PASSWD_MAX_BYTES) {
		char *fields[7], *tok, *end, *cur = line;
		unsigned long v;
		int nf = 0;

		total += (size_t)n;
		line[strcspn(line, "\n")] = '\0';
		/* strsep keeps empty fields (an empty password field is common). */
		while (nf < 7 && (tok = strsep(&cur, ":")) != NULL)
			fields[nf++] = tok;
		if (nf < 6 || fields[2][0] == '\0')
			continue;
		v = strtoul(fields[2], &end, 10);
		if (*end != '\0' || v != uid)
			continue;
		if (fields[field][0] == '\0')
			return NULL;
		return strdup(fields[field]);
	}
	return NULL;
}
