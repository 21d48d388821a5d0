/* OOM accounting and notification for `events`. v1: an eventfd registered
 * on memory.oom_control through cgroup.event_control (the kernel signals it
 * on every OOM in the cgroup, and once more when the cgroup is removed).
 * v2: inotify on memory.events, whose oom_kill counter rises, and on
 * cgroup.events, whose "populated 0" says the container is gone. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroup_priv.h"
#include "cleanup.h"

struct cgroup_oom_watch {
	int fd;        /* eventfd (v1) or inotify (v2) */
	bool v2;
	char *dir;     /* the memory controller's directory */
	struct cgroup_loc *cg; /* the container's cgroup */
	uint64_t kills; /* v2: oom_kill seen so far */
};

static char *memory_dir(const struct cgroup_loc *cg, bool *v2, struct ward_error *err)
{
	const struct cg_hier *h = cg_controller_hier("memory");

	if (!h) {
		ward_error_set(err, ENOTSUP, "no memory cgroup controller: OOM events unavailable");
		return NULL;
	}
	*v2 = h->v2;
	char *dir = cg_dir(h, cg);
	if (!dir)
		ward_error_set(err, ENOMEM, "cgroup path");
	return dir;
}

int cgroup_oom_kills(const struct cgroup_loc *cg, uint64_t *out, struct ward_error *err)
{
	bool v2;
	cleanup_free char *dir = memory_dir(cg, &v2, err);

	if (!dir)
		return -1;
	*out = 0;
	if (cg_read_keyed(dir, v2 ? "memory.events" : "memory.oom_control", "oom_kill", out) < 0 &&
	    !cg_file_exists(dir, v2 ? "memory.events" : "memory.oom_control"))
		return ward_error_set(err, ENOENT, "cgroup %s has no memory accounting", dir);
	return 0;
}

void cgroup_oom_watch_close(struct cgroup_oom_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->dir);
	cgroup_loc_free(w->cg);
	free(w);
}

static int watch_v1(struct cgroup_oom_watch *w, struct ward_error *err)
{
	cleanup_free char *file = NULL;
	char reg[64];

	if (asprintf(&file, "%s/memory.oom_control", w->dir) < 0)
		return ward_error_set(err, ENOMEM, "oom watch");
	cleanup_close int ctl = open(file, O_RDONLY | O_CLOEXEC);
	if (ctl < 0)
		return ward_error_errno(err, "open %s", file);
	w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->fd < 0)
		return ward_error_errno(err, "eventfd");
	/* The registration lives as long as the eventfd; the control fd may
	 * be closed right after. */
	snprintf(reg, sizeof(reg), "%d %d", w->fd, ctl);
	return cg_write(w->dir, "cgroup.event_control", reg, err);
}

static int watch_v2(struct cgroup_oom_watch *w, const struct cgroup_loc *cg, struct ward_error *err)
{
	cleanup_free char *events = NULL, *cg_events = NULL;
	const struct cg_hier *h = cg_hier_v2();
	cleanup_free char *core = cg_dir(h, cg);

	if (!core || asprintf(&events, "%s/memory.events", w->dir) < 0 ||
	    asprintf(&cg_events, "%s/cgroup.events", core) < 0)
		return ward_error_set(err, ENOMEM, "oom watch");
	w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (w->fd < 0)
		return ward_error_errno(err, "inotify_init1");
	if (inotify_add_watch(w->fd, events, IN_MODIFY) < 0)
		return ward_error_errno(err, "watch %s", events);
	if (inotify_add_watch(w->fd, cg_events, IN_MODIFY) < 0)
		return ward_error_errno(err, "watch %s", cg_events);
	cg_read_keyed(w->dir, "memory.events", "oom_kill", &w->kills);
	return 0;
}

struct cgroup_oom_watch *cgroup_oom_watch_open(const struct cgroup_loc *cg, struct ward_error *err)
{
	struct cgroup_oom_watch *w = calloc(1, sizeof(*w));

	if (!w) {
		ward_error_set(err, ENOMEM, "oom watch");
		return NULL;
	}
	w->fd = -1;
	w->cg = cgroup_loc_dup(cg);
	if (!w->cg) {
		ward_error_set(err, ENOMEM, "oom watch");
		cgroup_oom_watch_close(w);
		return NULL;
	}
	w->dir = memory_dir(cg, &w->v2, err);
	if (!w->dir || (w->v2 ? watch_v2(w, cg, err) : watch_v1(w, err)) < 0) {
		cgroup_oom_watch_close(w);
		return NULL;
	}
	return w;
}

int cgroup_oom_watch_fd(const struct cgroup_oom_watch *w)
{
	return w->fd;
}

/* cgroup.events "populated 0": no process left. */
static bool emptied(const struct cgroup_loc *cg)
{
	const struct cg_hier *h = cg_hier_v2();
	cleanup_free char *core = h ? cg_dir(h, cg) : NULL;
	uint64_t populated = 1;

	if (!core || access(core, F_OK) < 0)
		return true;
	cg_read_keyed(core, "cgroup.events", "populated", &populated);
	return populated == 0;
}

int cgroup_oom_watch_read(struct cgroup_oom_watch *w, bool *gone)
{
	*gone = false;
	if (!w->v2) {
		uint64_t n = 0;
		if (read(w->fd, &n, sizeof(n)) != sizeof(n))
			return errno == EAGAIN ? 0 : -1;
		/* The removal of the cgroup signals the eventfd too. */
		if (!cg_file_exists(w->dir, "cgroup.event_control")) {
			*gone = true;
			return 0;
		}
		return n > INT32_MAX ? INT32_MAX : (int)n;
	}
	char buf[4096];
	while (read(w->fd, buf, sizeof(buf)) > 0)
		;
	uint64_t kills = w->kills;
	if (cg_read_keyed(w->dir, "memory.events", "oom_kill", &kills) < 0 &&
	    !cg_file_exists(w->dir, "memory.events")) {
		*gone = true;
		return 0;
	}
	int n = kills > w->kills ? (int)(kills - w->kills) : 0;
	w->kills = kills;
	*gone = emptied(w->cg);
	return n;
}
