/* The one event loop: epoll over every fd the shim owns, SIGCHLD through a
 * signalfd, one timerfd. Nothing else in the shim blocks for long. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

static int epfd = -1;
static bool quit;
static struct watch sig_w, timer_w;
static void (*timer_fn)(void);

/* frees deferred to the end of an epoll batch: a later event of the same
 * batch may still point at the object */
struct deferred {
	void (*fn)(void *);
	void *p;
	struct deferred *next;
};
static struct deferred *deferred;

void loop_defer(void (*fn)(void *), void *p)
{
	struct deferred *d = malloc(sizeof *d);
	if (!d)
		abort();
	d->fn = fn;
	d->p = p;
	d->next = deferred;
	deferred = d;
}

void loop_run_deferred(void)
{
	while (deferred) {
		struct deferred *d = deferred;
		deferred = d->next;
		d->fn(d->p);
		free(d);
	}
}

int set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -1;
	return fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

void now_ts(Wshim__Timestamp *ts, struct timespec *at)
{
	struct timespec t;
	if (at && (at->tv_sec || at->tv_nsec))
		t = *at;
	else
		clock_gettime(CLOCK_REALTIME, &t);
	ts->seconds = t.tv_sec;
	ts->nanos = (int32_t)t.tv_nsec;
}

int loop_add(struct watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return -1;
	w->added = true;
	return 0;
}

int loop_mod(struct watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };
	if (!w->added)
		return loop_add(w, events);
	return epoll_ctl(epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void loop_del(struct watch *w)
{
	if (w->added && w->fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, w->fd, NULL);
	w->added = false;
}

void loop_quit(void)
{
	quit = true;
}

static void on_signal(struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si;
	while (read(w->fd, &si, sizeof si) == sizeof si)
		;
	proc_reap();
}

static void on_timer(struct watch *w, uint32_t events)
{
	uint64_t n;
	void (*fn)(void) = timer_fn;
	if (read(w->fd, &n, sizeof n) < 0)
		return;
	timer_fn = NULL;
	if (fn)
		fn();
}

void loop_timer(unsigned ms, void (*fn)(void))
{
	struct itimerspec its = { 0 };
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	timer_fn = ms ? fn : NULL;
	timerfd_settime(timer_w.fd, 0, &its, NULL);
}

int loop_init(void)
{
	sigset_t set;
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	sig_w.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	sig_w.fn = on_signal;
	timer_w.fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	timer_w.fn = on_timer;
	if (sig_w.fd < 0 || timer_w.fd < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	if (loop_add(&sig_w, EPOLLIN) < 0 || loop_add(&timer_w, EPOLLIN) < 0)
		return -1;
	return 0;
}

void loop_run(void)
{
	struct epoll_event evs[32];
	while (!quit) {
		int n = epoll_wait(epfd, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < n && !quit; i++) {
			struct watch *w = evs[i].data.ptr;
			if (w->fd >= 0 && w->added)
				w->fn(w, evs[i].events);
		}
		loop_run_deferred();
	}
	loop_run_deferred();
}
