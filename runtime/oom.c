/* process.oomScoreAdj (config.md "POSIX process"), written to our own
 * /proc/self/oom_score_adj so the container's processes inherit it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "container.h"
#include "security.h"

static int oom_score_adj_read(int *out)
{
	cleanup_close int fd = open("/proc/self/oom_score_adj", O_RDONLY | O_CLOEXEC);
	char buf[16];
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	*out = atoi(buf);
	return 0;
}

int oom_score_adj_apply(const struct spec_process *p, struct ward_error *err)
{
	char buf[16];
	int cur, len, saved;

	if (!p->oom_score_adj.set)
		return 0;
	if (p->oom_score_adj.value < -1000 || p->oom_score_adj.value > 1000)
		return ward_error_set(err, EINVAL, "oomScoreAdj %d is out of range [-1000, 1000]",
				      p->oom_score_adj.value);
	len = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj.value);
	if (procfs_write_file("/proc/self/oom_score_adj", buf, (size_t)len, err) == 0)
		return 0;
	saved = errno;
	/* The kernel refuses, without CAP_SYS_RESOURCE, values below the
	 * floor a privileged writer last set (0 unless one did). */
	if ((saved == EACCES || saved == EPERM) && oom_score_adj_read(&cur) == 0)
		return ward_error_set(err, saved,
				      "setting oomScoreAdj to %d (current value %d): going below this process's minimum needs CAP_SYS_RESOURCE",
				      p->oom_score_adj.value, cur);
	return ward_error_wrap(err, "setting oomScoreAdj to %d", p->oom_score_adj.value);
}
