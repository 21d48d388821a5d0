/* cgroup v2 core files (present without any controller enabled, so they
 * also work in the unified hierarchy of a hybrid host): cgroup.freeze,
 * cgroup.events and cgroup.kill. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_priv.h"
#include "cleanup.h"

#define FREEZE_TIMEOUT_MS 2000

static char *v2_dir(const struct cgroup_loc *cg)
{
	const struct cg_hier *h = cg_hier_v2();

	return h ? cg_dir(h, cg) : NULL;
}

bool cg_v2_is_frozen(const struct cgroup_loc *cg)
{
	cleanup_free char *dir = v2_dir(cg);
	char buf[16];

	if (!dir || cg_read(dir, "cgroup.freeze", buf, sizeof(buf), NULL) < 0)
		return false;
	return buf[0] == '1';
}

/* "frozen 1" in cgroup.events once every task has stopped. */
static int events_frozen(const char *dir)
{
	char buf[256];

	if (cg_read(dir, "cgroup.events", buf, sizeof(buf), NULL) < 0)
		return -1;
	char *p = strstr(buf, "frozen ");
	return p ? p[7] == '1' : -1;
}

int cg_v2_set_frozen(const struct cgroup_loc *cg, bool frozen, struct ward_error *err)
{
	cleanup_free char *dir = v2_dir(cg);

	if (!dir)
		return ward_error_set(err, ENOENT, "no cgroup2 hierarchy");
	if (cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return ward_error_wrap(err, "%s cgroup", frozen ? "freeze" : "thaw");
	for (int ms = 0; ms < FREEZE_TIMEOUT_MS; ms++) {
		int state = events_frozen(dir);
		if (state < 0 || state == (int)frozen)
			return 0; /* old kernels have no "frozen" key: trust the write */
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	if (frozen)
		cg_write(dir, "cgroup.freeze", "0", NULL);
	return ward_error_set(err, ETIMEDOUT, "%s cgroup %s", frozen ? "freeze" : "thaw", dir);
}

int cg_v2_kill(const struct cgroup_loc *cg, struct ward_error *err)
{
	cleanup_free char *dir = v2_dir(cg);
	cleanup_free char *file = NULL;

	if (!dir || asprintf(&file, "%s/cgroup.kill", dir) < 0 || access(file, W_OK) < 0)
		return 0; /* no unified directory or a kernel before 5.14 */
	if (cg_write(dir, "cgroup.kill", "1", err) < 0)
		return ward_error_wrap(err, "kill cgroup");
	return 1;
}
