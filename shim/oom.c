/* OOM kills in the container's cgroup, published as TaskOOM. cgroup v1:
 * an eventfd registered on memory.oom_control through
 * cgroup.event_control. cgroup v2: inotify on memory.events, whose
 * oom_kill counter grows on each kill. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>

struct oom_watch {
	struct watch w;
	struct container *ct;
	uint64_t kills;
	bool v2;
};

static uint64_t oom_kills(struct oom_watch *o, bool *gone)
{
	const char *dir = o->v2 ? o->ct->cg_unified : o->ct->cg_memory;
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, o->v2 ? "memory.events" : "memory.oom_control");
	_cleanup_free_ char *s = read_file_str(p, 4096);
	char *k;
	*gone = !s;
	if (!s || !(k = strstr(s, "oom_kill ")))
		return 0;
	return strtoull(k + 9, NULL, 10);
}

static void on_oom(struct watch *w, uint32_t events)
{
	struct oom_watch *o = w->data;
	char buf[4096];
	bool gone;
	uint64_t n;
	(void)events;
	while (read(w->fd, buf, sizeof buf) > 0)
		;
	n = oom_kills(o, &gone);
	if (gone) {
		oom_watch_stop(o->ct);
		return;
	}
	if (n > o->kills) {
		Wshim__TaskOOM ev = WSHIM__TASK_OOM__INIT;
		o->kills = n;
		ev.container_id = o->ct->id;
		publish("/tasks/oom", "containerd.events.TaskOOM", &ev.base);
	}
}

int oom_watch_start(struct container *ct)
{
	struct oom_watch *o;
	bool gone;
	int fd = -1;
	if (ct->cg_memory) {
		_cleanup_free_ char *ctl = xasprintf("%s/memory.oom_control", ct->cg_memory);
		_cleanup_free_ char *evc = xasprintf("%s/cgroup.event_control", ct->cg_memory);
		_cleanup_close_ int cfd = open(ctl, O_RDONLY | O_CLOEXEC);
		_cleanup_free_ char *line = NULL;
		if (cfd < 0)
			return -1;
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0)
			return -1;
		line = xasprintf("%d %d", fd, cfd);
		if (write_file_str(evc, line, strlen(line)) < 0) {
			/* write_file_str truncates: event_control takes plain writes */
			_cleanup_close_ int efd = open(evc, O_WRONLY | O_CLOEXEC);
			if (efd < 0 || write(efd, line, strlen(line)) < 0) {
				close(fd);
				return -1;
			}
		}
	} else if (ct->cg_unified) {
		_cleanup_free_ char *p = xasprintf("%s/memory.events", ct->cg_unified);
		fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (fd < 0 || inotify_add_watch(fd, p, IN_MODIFY) < 0) {
			closep(&fd);
			return -1;
		}
	} else {
		return -1;
	}
	o = calloc(1, sizeof *o);
	if (!o)
		abort();
	o->ct = ct;
	o->v2 = !ct->cg_memory;
	o->w.fd = fd;
	o->w.fn = on_oom;
	o->w.data = o;
	o->kills = oom_kills(o, &gone);
	ct->oom = o;
	loop_add(&o->w, EPOLLIN);
	return 0;
}

/* A kill that ended the init may still sit unread in the watch when its
 * exit is handled: report it first, so TaskOOM comes before TaskExit (and
 * before a `--rm` client deletes the container and the watch with it). */
void oom_watch_flush(struct container *ct)
{
	if (ct->oom)
		on_oom(&ct->oom->w, EPOLLIN);
}

void oom_watch_stop(struct container *ct)
{
	struct oom_watch *o = ct->oom;
	if (!o)
		return;
	loop_del(&o->w);
	close(o->w.fd);
	o->w.fd = -1;
	ct->oom = NULL;
	loop_defer(free, o);
}
