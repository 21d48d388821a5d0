/* process.scheduler and process.ioPriority (config.md "POSIX process").
 * Both are per-thread attributes the kernel copies on fork and keeps across
 * execve, so setting them on ourselves right before exec is enough. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container.h"

/* ---- io priority (ioprio_set(2)) ---- */

#define WARD_IOPRIO_CLASS_SHIFT 13
#define WARD_IOPRIO_WHO_PROCESS 1

static const struct {
	const char *name;
	int klass;
} ioprio_classes[] = {
	{ "IOPRIO_CLASS_RT", 1 },
	{ "IOPRIO_CLASS_BE", 2 },
	{ "IOPRIO_CLASS_IDLE", 3 },
};

int ioprio_apply(const struct spec_process *p, struct ward_error *err)
{
	const struct spec_io_priority *io = p->io_priority;
	int klass = -1;

	if (io == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(ioprio_classes) / sizeof(ioprio_classes[0]); i++)
		if (io->klass != NULL && strcmp(io->klass, ioprio_classes[i].name) == 0)
			klass = ioprio_classes[i].klass;
	if (klass < 0)
		return ward_error_set(err, EINVAL, "ioPriority: unknown class %s",
				      io->klass ? io->klass : "(none)");
	/* The kernel has 8 levels (0 highest) for RT and BE. */
	if (io->priority < 0 || io->priority > 7)
		return ward_error_set(err, EINVAL, "ioPriority: priority %d is out of range [0, 7]",
				      io->priority);
	if (syscall(SYS_ioprio_set, WARD_IOPRIO_WHO_PROCESS, 0,
		    (klass << WARD_IOPRIO_CLASS_SHIFT) | io->priority) < 0)
		return ward_error_errno(err, "ioprio_set(%s, %d)", io->klass, io->priority);
	return 0;
}

/* ---- scheduler (sched_setattr(2)) ---- */

/* The uapi layout; glibc only gained its own struct sched_attr later. */
struct ward_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

enum { POL_OTHER, POL_FIFO, POL_RR, POL_BATCH, POL_ISO, POL_IDLE, POL_DEADLINE };

static const struct {
	const char *name;
	uint32_t policy;
} sched_policies[] = {
	{ "SCHED_OTHER", POL_OTHER },   { "SCHED_FIFO", POL_FIFO }, { "SCHED_RR", POL_RR },
	{ "SCHED_BATCH", POL_BATCH },   { "SCHED_ISO", POL_ISO },   { "SCHED_IDLE", POL_IDLE },
	{ "SCHED_DEADLINE", POL_DEADLINE },
};

static const struct {
	const char *name;
	uint64_t flag;
} sched_flags[] = {
	{ "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },
	{ "SCHED_FLAG_DL_OVERRUN", 0x04 },    { "SCHED_FLAG_KEEP_POLICY", 0x08 },
	{ "SCHED_FLAG_KEEP_PARAMS", 0x10 },   { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
	{ "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

int scheduler_apply(const struct spec_process *p, struct ward_error *err)
{
	const struct spec_scheduler *sc = p->scheduler;
	struct ward_sched_attr attr = { .size = sizeof(attr) };
	size_t i;

	if (sc == NULL)
		return 0;
	if (sc->policy == NULL)
		return ward_error_set(err, EINVAL, "scheduler policy is required");
	for (i = 0; i < ARRAY_LEN(sched_policies); i++)
		if (strcmp(sc->policy, sched_policies[i].name) == 0)
			break;
	if (i == ARRAY_LEN(sched_policies))
		return ward_error_set(err, EINVAL, "scheduler: unknown policy %s", sc->policy);
	attr.sched_policy = sched_policies[i].policy;

	/* runc's checks (libcontainer/configs/validate), for errors that
	 * name the field instead of a bare EINVAL from the kernel. */
	if (sc->nice.set && (sc->nice.value < -20 || sc->nice.value > 19))
		return ward_error_set(err, EINVAL, "invalid scheduler.nice: %d", sc->nice.value);
	if (sc->priority.set && sc->priority.value != 0 && attr.sched_policy != POL_FIFO &&
	    attr.sched_policy != POL_RR)
		return ward_error_set(err, EINVAL,
				      "scheduler.priority can only be specified for SchedFIFO or SchedRR policy");
	if (attr.sched_policy != POL_DEADLINE &&
	    ((sc->runtime.set && sc->runtime.value) || (sc->deadline.set && sc->deadline.value) ||
	     (sc->period.set && sc->period.value)))
		return ward_error_set(err, EINVAL,
				      "scheduler runtime/deadline/period can only be specified for SchedDeadline policy");

	for (size_t f = 0; f < sc->flags.len; f++) {
		const char *name = sc->flags.items[f];

		for (i = 0; i < ARRAY_LEN(sched_flags); i++)
			if (strcmp(name, sched_flags[i].name) == 0)
				break;
		if (i == ARRAY_LEN(sched_flags))
			return ward_error_set(err, EINVAL, "scheduler: unknown flag %s", name);
		attr.sched_flags |= sched_flags[i].flag;
	}
	if (sc->nice.set)
		attr.sched_nice = sc->nice.value;
	if (sc->priority.set)
		attr.sched_priority = (uint32_t)sc->priority.value;
	if (sc->runtime.set)
		attr.sched_runtime = sc->runtime.value;
	if (sc->deadline.set)
		attr.sched_deadline = sc->deadline.value;
	if (sc->period.set)
		attr.sched_period = sc->period.value;

	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) {
		if (errno == EPERM && attr.sched_policy == POL_DEADLINE)
			/* SCHED_DEADLINE admission needs the task's affinity
			 * to span its whole root domain. */
			return ward_error_errno(err,
						"error setting scheduler %s (SCHED_DEADLINE cannot be used with a restricted CPU set)",
						sc->policy);
		return ward_error_errno(err, "error setting scheduler %s", sc->policy);
	}
	return 0;
}
