/* Reading cgroup files: whole files, single numbers ("max" included) and
 * the "key value" lines of the *.stat and *.events files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_priv.h"
#include "cleanup.h"

char *cg_read_all(const char *dir, const char *file, struct ward_error *err)
{
	cleanup_free char *p = NULL;
	size_t len = 0, cap = 4096;

	if (asprintf(&p, "%s/%s", dir, file) < 0) {
		ward_error_set(err, ENOMEM, "cgroup read");
		return NULL;
	}
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		ward_error_errno(err, "open %s", p);
		return NULL;
	}
	cleanup_free char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			ward_error_set(err, ENOMEM, "read %s", p);
			return NULL;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ward_error_errno(err, "read %s", p);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (cap - len < 2) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				ward_error_set(err, ENOMEM, "read %s", p);
				return NULL;
			}
			buf = nb;
		}
	}
	buf[len] = '\0';
	return steal_ptr(buf);
}

bool cg_file_exists(const char *dir, const char *file)
{
	cleanup_free char *p = NULL;

	return asprintf(&p, "%s/%s", dir, file) >= 0 && access(p, F_OK) == 0;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *out, struct ward_error *err)
{
	char buf[64], *end;

	if (cg_read(dir, file, buf, sizeof(buf), err) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	if (strcmp(buf, "max") == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (errno || end == buf || *end || buf[0] == '-')
		return ward_error_set(err, EINVAL, "%s/%s: not a number: \"%s\"", dir, file, buf);
	*out = v;
	return 0;
}

int cg_read_keyed(const char *dir, const char *file, const char *key, uint64_t *out)
{
	cleanup_free char *text = cg_read_all(dir, file, NULL);
	size_t klen = strlen(key);

	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			*out = strtoull(line + klen + 1, NULL, 10);
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -1;
}
