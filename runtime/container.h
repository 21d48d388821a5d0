/* The container being built: one struct shared by the parent side (state,
 * cgroups, id maps, hooks) and the child side (namespaces, rootfs, security,
 * exec). Each module below owns one concern; init.c calls them in order. */
#ifndef WARD_CONTAINER_H
#define WARD_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "cleanup.h"
#include "error.h"
#include "spec.h"

struct container {
	char *id;
	char *bundle;     /* absolute path of the bundle directory */
	char *rootfs;     /* absolute path of root.path (resolved against bundle) */
	char *state_root; /* --root, e.g. /run/ward */
	char *state_dir;  /* state_root/id */
	struct spec *spec; /* the effective spec: after policy, before anything is created */

	/* create/run options */
	char *console_socket; /* --console-socket path, or NULL */
	char *pid_file;       /* --pid-file, or NULL */
	int preserve_fds;     /* --preserve-fds N: fds 3..3+N-1 go to the container */
	bool no_pivot;        /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
	bool no_new_keyring;  /* --no-new-keyring */
	bool systemd_cgroup;  /* --systemd-cgroup */
	bool foreground;      /* `ward run` without --detach: it holds the console itself */
	bool start_now;       /* `ward run`: init runs the process as soon as it is ready,
			       * with no exec.fifo and no `start` to wait for (crun's run) */
	char *policy_path;    /* --policy FILE, or NULL for the default path */

	/* filled in during create */
	pid_t pid;            /* host pid of the container init */
	unsigned long long pid_start; /* its start time (/proc/<pid>/stat), as on record */
	struct cgroup_loc *cgroup; /* resolved per hierarchy, with what ward created */
	bool created_userns;  /* a new user namespace was made */
	int console_socket_fd; /* connected console socket, or -1 */
	int console_fd;       /* foreground with process.terminal: the pty master, or -1 */
	/* idmap.c: per spec->mounts[] entry, the detached id-mapped tree the
	 * parent made at create (host privileges), or -1; NULL when none. */
	int *mount_fds;
	/* The rootfs as an id-mapped detached tree (run.ward.idmap-rootfs),
	 * made by the parent like mount_fds; valid when rootfs_idmapped. */
	bool rootfs_idmapped;
	int rootfs_tree;
	/* mountsrc.c: per spec->mounts[] entry, an O_PATH fd of the bind
	 * source opened with host privileges in init's mount namespace, or
	 * -1; NULL when none. Only in init. */
	int *mount_src_fds;
};

/* ---- mountsrc.c: bind sources a user namespace could not reach ---- */
/* Whether init should ask for its bind sources (a new user namespace). */
bool mountsrc_wanted(const struct container *c);
/* Init, before its mounts: ask and collect the fds into c->mount_src_fds
 * (until the parent's MOUNT_SOURCES_DONE; an ERROR or EOF fails). */
int mountsrc_request(struct container *c, int sock, struct ward_error *err);
/* Init, after its mounts: close what mounts_setup left and free the array. */
void mountsrc_release(struct container *c);
/* Parent, on SYNC_MOUNT_SOURCES from `pid`: a helper with host privileges
 * joins pid's mount namespace, opens every bind source there and sends
 * the fds to init over `sock`; then the parent sends MOUNT_SOURCES_DONE.
 * Fails with the helper's own error (a source that cannot be opened). */
int mountsrc_serve(const struct container *c, int sock, pid_t pid, struct ward_error *err);

/* ---- container.c: orchestration (parent side) ---- */
void container_free(struct container *c);

/* `ward create`: c->id, c->bundle, c->state_root and the options are set by
 * the caller. Loads <bundle>/config.json, decides the effective spec, makes
 * the state directory, cgroup and init (blocked on exec.fifo), writes
 * state.json and --pid-file. Everything made is undone on failure. */
int container_create(struct container *c, struct ward_error *err);

/* The first steps of create without creating anything (`ward restore`):
 * chdir to the bundle, the effective spec, the rootfs path, the console
 * socket connection (runc's rules), the state dir and cgroup paths. */
int container_prepare(struct container *c, struct ward_error *err);

/* `ward start`: release a created container's init and run poststart hooks. */
int container_start(const char *state_root, const char *id, struct ward_error *err);

/* `ward run`: the same for the container this process has just created.
 * What `ward start` reads back from the state directory (the state, the
 * saved config) is what create left in `c`; the lock is taken all the
 * same, and whether init is alive and not started yet is checked on the
 * process and exec.fifo themselves, so a concurrent start or delete is
 * still seen. */
int container_start_own(struct container *c, struct ward_error *err);

/* After the init of a container has exited (`ward run` in the foreground):
 * kill what is left in its cgroup, remove the cgroup and the state
 * directory, then run the poststop hooks (failures are warnings). */
int container_destroy(const char *state_root, const char *id, struct ward_error *err);
/* The same for the container this process created (`ward run`): its cgroup
 * and spec come from `c`, not from the state directory. */
int container_destroy_own(struct container *c, struct ward_error *err);
/* The same for a caller that holds the state lock and has read the state
 * (`ward delete`, once the init is gone). A cgroup that cannot be removed
 * is an error, but the state directory goes anyway (runc). */
struct ward_state;
int container_destroy_locked(const char *state_root, int dirfd, const struct ward_state *st,
			     struct ward_error *err);
/* Write --pid-file atomically (a temporary file, then rename). */
int container_write_pid_file(const char *path, pid_t pid, struct ward_error *err);

/* ---- exe.c: CVE-2019-5736 ---- */
/* Commands that put a process into a container call this first: unless
 * ward already runs from a file nobody can write, re-execute it with the
 * same arguments from a detached read-only bind mount of /proc/self/exe
 * (or, without the mount API, a sealed memfd copy), so a container can
 * never reach a writable ward binary through /proc/<pid>/exe. Returns only
 * on failure, or with 0 when already protected. */
int exe_ensure_sealed(struct ward_error *err);

/* ---- safepath.c: the only way to touch paths inside the rootfs ---- */
/* Open `path` (absolute or relative, interpreted inside `rootfd`) so that no
 * symlink or ".." can escape the root: openat2(RESOLVE_IN_ROOT) where
 * available, else a component-by-component walk that resolves symlinks
 * against the root. flags as for openat (O_PATH, O_DIRECTORY, O_CREAT...). */
int safe_openat(int rootfd, const char *path, int flags, mode_t mode, struct ward_error *err);
/* mkdir -p inside the root; returns an O_PATH|O_DIRECTORY fd of the last dir. */
int safe_mkdir_all(int rootfd, const char *path, mode_t mode, struct ward_error *err);
/* Create (if missing) a regular file inside the root to bind-mount a file
 * onto; returns an O_PATH fd of it. */
int safe_create_file(int rootfd, const char *path, mode_t mode, struct ward_error *err);
/* "/proc/self/fd/N" for mounting onto an fd that was resolved safely. */
#define SAFE_FD_PATH_MAX 32
void safe_fd_path(int fd, char buf[SAFE_FD_PATH_MAX]);
/* Tests may force the fallback (WARD_TEST_NO_OPENAT2=1 in the environment). */
bool safe_have_openat2(void);

/* ---- rootfs.c / mounts.c / devices.c: the filesystem (child side) ---- */
/* Before spec mounts: make "/" slave/private per rootfsPropagation, bind
 * the rootfs onto itself. */
int rootfs_prepare(struct container *c, struct ward_error *err);
/* linux.mounts[] in order, each target resolved with safe_openat. */
int mounts_setup(struct container *c, struct ward_error *err);
/* Default devices, linux.devices, /dev symlinks, /dev/pts, /dev/ptmx. */
int devices_setup(struct container *c, struct ward_error *err);
/* pivot_root (or MS_MOVE + chroot with no_pivot) into the rootfs. */
int rootfs_pivot(struct container *c, struct ward_error *err);
/* After pivot: maskedPaths, readonlyPaths, readonly root, final propagation. */
int rootfs_finalize(struct container *c, struct ward_error *err);

/* ---- security and process attributes (child side) ---- */
/* net.c: in a network namespace of the container's own, `lo` up. */
int net_loopback_up(struct ward_error *err);
/* hostname, domainname (needs a new UTS namespace). */
int uts_setup(const struct spec *s, struct ward_error *err);
/* linux.sysctl, written through the container's /proc/sys. */
int sysctl_apply(const struct spec *s, struct ward_error *err);
int rlimits_apply(const struct spec_process *p, struct ward_error *err);
int oom_score_adj_apply(const struct spec_process *p, struct ward_error *err);
int personality_apply(const struct spec_linux *l, struct ward_error *err);
int ioprio_apply(const struct spec_process *p, struct ward_error *err);
int scheduler_apply(const struct spec_process *p, struct ward_error *err);
/* LSM labels for the next exec; a clear error when requested but the LSM is off. */
int apparmor_apply(const struct spec_process *p, struct ward_error *err);
int selinux_apply(const struct spec_process *p, struct ward_error *err);
/* The requested LSM labels can be applied on this host (create-time check). */
int lsm_check(const struct spec_process *p, struct ward_error *err);
/* SELinux is built in and enabled on this host (mount labels need it). */
bool selinux_host_enabled(void);
/* What the user switch needs to look at (stdio ownership, whether
 * setgroups is allowed here), done before a seccomp filter is loaded. */
int user_prepare(const struct spec_process *p, bool *setgroups_ok, struct ward_error *err);
/* setgroups + setresgid + setresuid + umask, keeping capabilities across:
 * only those calls, as they may run under the container's filter. */
int user_apply(const struct spec_process *p, bool setgroups_ok, struct ward_error *err);
/* All five sets via libcap; caps unknown to the running kernel are skipped.
 * bset: the bounding set as caps_drop_bounding() left it (it only shrinks
 * in between). */
int caps_apply(const struct spec_process *p, uint64_t bset, struct ward_error *err);

/* seccomp: compile early (errors surface at create), load last, before exec. */
struct ward_seccomp;
int seccomp_prepare(const struct spec_seccomp *sc, struct ward_seccomp **out, struct ward_error *err);
/* linux.seccomp of `s`, with the policy's floor stacked under it when the
 * run.ward.seccomp-floor annotation asks (policy.h); NULL when neither. */
int seccomp_prepare_spec(const struct spec *s, struct ward_seccomp **out, struct ward_error *err);
int seccomp_apply(struct ward_seccomp *f, struct ward_error *err);
void seccomp_free(struct ward_seccomp *f);
/* SCMP_ACT_NOTIFY: seccomp_prepare connects to linux.seccomp.listenerPath
 * (a missing agent fails there). The socket (-1 when nothing notifies)
 * must stay open in the container process until seccomp_apply, which sends
 * the notify fd with the state set by seccomp_set_process_state (required
 * before apply when notifying): `pid` as the runtime sees the process,
 * `state_json` the container's OCI state object. */
int seccomp_listener_fd(const struct ward_seccomp *f);
int seccomp_set_process_state(struct ward_seccomp *f, pid_t pid, const char *state_json,
			      struct ward_error *err);

/* Resolve args[0] against the process PATH, chdir(cwd), and execve. Only
 * returns on failure. */
int process_exec(const struct spec_process *p, struct ward_error *err);

/* The whole tail of a container process, shared by init and exec: rlimits,
 * oom_score_adj, personality, ioprio, scheduler, LSM labels, user, caps,
 * no_new_privileges, seccomp (prepared `f`, may be NULL), then exec. */
int process_finalize_and_exec(const struct spec *s, const struct spec_process *p,
			      struct ward_seccomp *f, struct ward_error *err);
/* All of it but the execve: the process is as confined as it will be,
 * `plan` (released by the caller) says what to run. */
struct exec_plan;
int process_confine(const struct spec *s, const struct spec_process *p, struct ward_seccomp *f,
		    struct exec_plan *plan, struct ward_error *err);

/* ---- hooks.c (parent side and child side) ---- */
/* Where a hook starts (NULL: our cwd) and the environment a hook without
 * `env` gets (NULL: ours). */
struct hook_ctx {
	const char *cwd;
	char *const *env;
};
/* Run each hook with the OCI state JSON on stdin; honour timeout; the
 * first failure stops the list and is returned. `ctx` may be NULL. */
int hooks_run(const struct spec_hook_list *hooks, const char *kind, const char *state_json,
	      const struct hook_ctx *ctx, struct ward_error *err);

#endif
