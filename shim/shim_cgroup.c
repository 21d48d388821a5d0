/* ShimCgroup: the shim joins the cgroup its runtime options name, as
 * containerd's runc shim does at `start` (cgroup v1: the path in every
 * hierarchy where it exists; v2: the unified path). The cgroup must exist. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void unescape(char *s)
{
	/* mountinfo writes space, tab, newline and backslash as \ooo */
	char *w = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = 0;
}

int shim_cgroup_join(pid_t pid, const char *path, char **errmsg)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int joined = 0, ret = 0;

	if (!*path || strstr(path, "..")) {
		*errmsg = xasprintf("shim cgroup %s: not a cgroup path", path);
		return -1;
	}
	f = fopen("/proc/self/mountinfo", "re");
	if (!f) {
		*errmsg = xasprintf("mountinfo: %s", strerror(errno));
		return -1;
	}
	while (ret == 0 && getline(&line, &cap, f) > 0) {
		char mnt[4096], fstype[64];
		const char *sep = strstr(line, " - ");
		struct stat sb;
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 || sscanf(sep + 3, "%63s", fstype) != 1)
			continue;
		if (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2"))
			continue;
		unescape(mnt);
		{
			_cleanup_free_ char *dir = xasprintf("%s/%s", mnt, path + (*path == '/'));
			_cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
			char pidstr[16];
			int len = snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
			/* v1: hierarchies without that path are left alone */
			if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
				continue;
			if (write_file_str(procs, pidstr, (size_t)len) < 0) {
				*errmsg = xasprintf("join cgroup %s: %s", dir, strerror(errno));
				ret = -1;
			}
			joined++;
		}
	}
	free(line);
	fclose(f);
	if (ret == 0 && !joined) {
		*errmsg = xasprintf("shim cgroup %s: no such cgroup", path);
		ret = -1;
	}
	return ret;
}
