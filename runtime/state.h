/* The state directory: <root>/<id>/ holds state.json (ours), config.json
 * (the effective spec, for delete/poststop/exec), exec.fifo while created,
 * and a lock file. Writes are atomic (tmp + rename); commands on one id are
 * serialised with flock on <root>/<id>/lock. */
#ifndef WARD_STATE_H
#define WARD_STATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "spec.h"

/* The id names the state directory, the default cgroup directory and the
 * session keyring: one path component (NAME_MAX). */
#define STATE_ID_MAX 255

enum container_status {
	STATUS_CREATING,
	STATUS_CREATED,
	STATUS_RUNNING,
	STATUS_PAUSED,
	STATUS_STOPPED,
};

struct ward_state {
	char *id;
	pid_t pid;                 /* host pid of init; 0 if never started */
	unsigned long long pid_start; /* /proc/<pid>/stat starttime: guards pid reuse */
	char *bundle;
	char *rootfs;
	char *created;             /* RFC 3339, UTC, nanoseconds */
	char *owner;               /* "" for root, like runc */
	struct cgroup_loc *cgroup; /* as resolved at create; NULL if none */
	bool creating;             /* create has not finished (or was killed) */
	bool systemd_cgroup;
	struct spec_map annotations;
};

const char *container_status_name(enum container_status s); /* "created", ... */

/* Valid ids: [A-Za-z0-9][A-Za-z0-9_+.-]*, at most 1024 bytes, not "." or "..". */
int state_validate_id(const char *id, struct ward_error *err);

/* mkdir <root> (0700, parents) and <root>/<id> exclusively; fails with
 * "container with id exists: ID" (EEXIST) if present. Returns a dirfd. */
int state_dir_create(const char *root, const char *id, struct ward_error *err);
/* Open an existing <root>/<id>; "container does not exist" (ENOENT) otherwise. */
int state_dir_open(const char *root, const char *id, struct ward_error *err);
/* Exclusive flock on <dir>/lock; returns the lock fd (close to release). */
int state_lock(int dirfd, struct ward_error *err);
/* state_dir_open, then state_lock: the dirfd, with the lock fd in *lockfd
 * (the caller closes both); -1 with nothing left open on failure. */
int state_dir_open_locked(const char *root, const char *id, int *lockfd, struct ward_error *err);

int state_write(int dirfd, const struct ward_state *st, struct ward_error *err);
int state_read(int dirfd, struct ward_state *st, struct ward_error *err);
void state_clear(struct ward_state *st);

/* Write <dir>/name atomically (a temporary file in the same directory,
 * then rename), mode 0600. */
int state_write_file(int dirfd, const char *name, const void *data, size_t len,
		     struct ward_error *err);
/* Read <dir>/name whole (NUL-terminated, malloc'd); refuses symlinks. */
char *state_read_file(int dirfd, const char *name, size_t *len, struct ward_error *err);

/* The effective spec saved at create. */
int state_write_config(int dirfd, const struct spec *s, struct ward_error *err);
struct spec *state_read_config(int dirfd, struct ward_error *err);

/* Live status: stopped if pid is gone (or reused), created while exec.fifo
 * exists, paused if the cgroup is frozen, else running. */
enum container_status state_status(int dirfd, const struct ward_state *st);

/* The OCI state JSON ({ociVersion,id,status,pid,bundle,annotations}), plus
 * runc's extra fields (rootfs, created, owner) when `runc_fields`. malloc'd. */
char *state_oci_json(const struct ward_state *st, enum container_status status, bool runc_fields,
		     bool pretty);

/* Remove <root>/<id> and everything in it. */
int state_remove(const char *root, const char *id, struct ward_error *err);

/* Ids under root, sorted; NULL-terminated, malloc'd. */
char **state_list_ids(const char *root, struct ward_error *err);

/* /proc/<pid>/stat field 22; 0 if the process does not exist. */
unsigned long long proc_start_time(pid_t pid);

/* The process exists, is not a zombie and started at `start` (0: any). */
bool proc_alive(pid_t pid, unsigned long long start);
/* Signal pid only if it is still the process that started at `start`: a
 * pidfd is opened first and the start time checked after, so a recycled pid
 * is never signalled. Fails with ESRCH when the process is gone. */
int proc_signal(pid_t pid, unsigned long long start, int sig, struct ward_error *err);
/* Wait up to timeout_ms for the process to exit (a zombie counts as exited:
 * we are usually not its parent). 0 once gone, -1 (ETIMEDOUT) otherwise. */
int proc_wait_exit(pid_t pid, unsigned long long start, int timeout_ms, struct ward_error *err);

/* Now as Go's RFC3339Nano in UTC ("2026-11-27T07:23:53.5661001Z": trailing
 * zeros of the fraction dropped), the form runc uses for "created". malloc'd. */
char *state_timestamp_now(void);

#endif
