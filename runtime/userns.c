/* User namespace id maps, written by the parent (host root) into the
 * child's /proc/<pid>/{uid,gid}_map. Being privileged in the parent user
 * namespace, we may write any number of ranges and leave setgroups allowed;
 * newuidmap is never needed. */
#include "config.h"

#include "spawn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "security.h"

static int write_map(pid_t pid, const char *file, const struct spec_id_mapping *m, size_t n,
		     struct ward_error *err)
{
	char path[64];
	cleanup_free char *buf = NULL;
	size_t cap = n * 40 + 1, len = 0;

	buf = malloc(cap);
	if (buf == NULL)
		return ward_error_set(err, ENOMEM, "%s", file);
	for (size_t i = 0; i < n; i++)
		len += snprintf(buf + len, cap - len, "%u %u %u\n", m[i].container_id, m[i].host_id,
				m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	/* The kernel takes the whole map in one write(2), once. */
	if (procfs_write_file(path, buf, len, err) < 0)
		return ward_error_wrap(err, "write %s", file);
	return 0;
}

int userns_write_maps(pid_t pid, const struct spec_linux *l, struct ward_error *err)
{
	if (write_map(pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err) < 0)
		return -1;
	if (write_map(pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err) < 0)
		return -1;
	return 0;
}
