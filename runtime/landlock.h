/* Landlock: an opt-in ward extension that confines a container's processes
 * to the container's own filesystem tree (and optionally to listed TCP
 * ports), on top of mount namespaces, capabilities and seccomp.
 *
 * Enabling it
 *   annotations["run.ward.landlock"] = "true" in the effective spec. An
 *   admin policy enables or forces it by writing the same annotations into
 *   the effective spec; there is no other switch.
 *
 * Annotations (all parsed strictly; a bad value is an error naming the key)
 *   run.ward.landlock              "true" | "false"; absent = "false".
 *   run.ward.landlock.tcp-bind     ports the container may bind(2) on TCP:
 *   run.ward.landlock.tcp-connect  ports it may connect(2) to, over TCP.
 *       Comma-separated decimal ports and ranges ("80,443,8000-8009"),
 *       no spaces. "" = none allowed. Absent = that operation is not
 *       restricted. Port 0 in tcp-bind allows binding an ephemeral port.
 *       Needs Landlock ABI >= 4 (Linux 6.7).
 *   run.ward.landlock.scope        "signal", "abstract-unix-socket", both
 *       comma-separated, or "" (none): the process may not signal, or
 *       connect to abstract unix sockets of, processes outside its own
 *       Landlock domain. Needs ABI >= 6 (Linux 6.12) when given. When
 *       absent, ward scopes by itself what the container shares with the
 *       host: abstract unix sockets when the spec has no network namespace
 *       entry (host network: the containerd-shim socket class of bug,
 *       CVE-2020-15257), signals when it has no pid namespace entry; and
 *       only where ABI >= 6 (this default is best effort, never an error).
 *       Namespaces joined by path are not scoped by default: they are
 *       shared on purpose (pods). Note that `ward exec` processes get a
 *       domain of their own, so with "signal" an exec'd process cannot
 *       signal the container's init (`kill -HUP 1`), and vice versa.
 *   run.ward.landlock.min-abi      decimal N >= 1: refuse to run unless the
 *       kernel's ABI is at least N (e.g. 2 so that cross-directory rename
 *       works, 3 to also confine truncate(2), 5 for device ioctls).
 *   Any other run.ward.landlock.* key is an error (a typo must not
 *   silently drop a restriction), and so is any of them without
 *   run.ward.landlock = "true".
 *
 * Fail closed: when enabled and the kernel lacks Landlock, lacks the ABI
 * a requested feature needs, or below min-abi, landlock_prepare() fails and
 * the container is not created. Features the kernel lacks and that were not
 * asked for (newer filesystem rights) are left out silently: the ruleset
 * handles every filesystem right the running ABI knows (ABI 1: the base
 * set; 2: REFER; 3: TRUNCATE; 5: IOCTL_DEV).
 *
 * What it guarantees, once applied (for the process and everything it
 * later runs, across execve and setuid; it cannot be undone):
 *   - Files and directories can be opened, executed, created, removed,
 *     renamed, linked or truncated only where their place in the mount tree
 *     is beneath the container's root ("/" after pivot_root). Anything
 *     reached another way is refused with EACCES: other mount namespaces
 *     through /proc/<pid>/root or /proc/<pid>/cwd, directory fds passed in
 *     over a unix socket or inherited, detached mounts. Kernel-internal
 *     objects (pipes, sockets, nsfs, memfds) stay usable, as Landlock
 *     exempts them.
 *   - Processes outside the domain (the host's, other containers') cannot
 *     be ptraced, and their /proc/<pid>/{root,cwd,fd,environ,mem,...}
 *     cannot be opened, whatever the pid namespace: Landlock only allows
 *     ptrace access to the same or a nested domain.
 *   - The mount tree can no longer change: Landlock refuses mount(2),
 *     umount(2), pivot_root(2) and move_mount(2) to confined processes
 *     even with CAP_SYS_ADMIN, so no later mount can bring a new
 *     filesystem into reach. (A container that mounts things itself, e.g.
 *     a nested runtime, cannot run with Landlock.)
 *   - With root.readonly, only reading and executing is allowed beneath
 *     "/", and full access is granted again beneath each read-write mount
 *     (bind mounts without "ro"/"rro", tmpfs, /dev...), less device
 *     creation and device ioctls on "nodev" mounts.
 *     Device nodes stay usable as without Landlock: /dev (when it is not a
 *     mount of its own) and each linux.devices path get their own rules.
 *   - With a read-write root the "/" rule grants everything beneath it,
 *     read-only mounts included: Landlock rights only add up along a path,
 *     a rule cannot take back what an ancestor grants. Write protection of
 *     read-only mounts, noexec, maskedPaths and readonlyPaths stay the
 *     mount flags' job (and Landlock's frozen mount tree keeps them in
 *     place); extra rules for them would change nothing.
 *   - The files on fds 0-2 at apply time stay reopenable through
 *     /dev/stdout, /proc/self/fd/N... with the access mode they were opened
 *     with, even when they live outside the container (a host log file,
 *     a host tty): a rule is added for those exact files, which grants
 *     nothing the process did not already hold. Other inherited fds
 *     (--preserve-fds) keep working but cannot be reopened by path.
 *   - TCP bind/connect are limited to the listed ports when the lists are
 *     given (IPv4 and IPv6 TCP only; UDP and other protocols are untouched).
 *   - Landlock does not cover: stat/chmod/chown/xattr/utime/chdir/flock,
 *     most fcntl/ioctl on non-device files, already open fds, or anything
 *     a process outside the container does on its behalf.
 *
 * Where to call it
 *   landlock_prepare() early, in the parent, before anything is created
 *   (errors surface at `ward create`, like seccomp_prepare()); and in
 *   `ward exec` from the saved spec. landlock_apply() in the container
 *   process once the final root and every mount are in place (after
 *   rootfs_finalize, after exec.fifo was opened and startContainer hooks
 *   ran, since exec.fifo lives outside the container), immediately before
 *   process_finalize_and_exec(): the process is still root with all its
 *   capabilities there, and landlock_restrict_self(2) needs either
 *   CAP_SYS_ADMIN in the current user namespace or no_new_privileges; the
 *   capabilities are dropped afterwards by caps_apply, the domain stays.
 *   `ward exec` processes do not inherit init's domain (they are not its
 *   descendants): they must call landlock_apply() themselves, at the same
 *   point. The caller must be single-threaded (the domain is per thread).
 *   As Landlock only lets a process ptrace a process of its own domain or
 *   of a nested one, an exec'd process and the init's processes cannot
 *   ptrace each other (strace -p, gdb attach), nor read each other's
 *   /proc/<pid>/{environ,fd,maps,mem,root}.
 *
 * Testing: WARD_TEST_LANDLOCK_ABI=0 in the environment makes
 * landlock_abi() report no Landlock (to exercise the fail-closed path). No
 * other value is honoured: the override can only make ward refuse, never
 * confine less. */
#ifndef WARD_LANDLOCK_H
#define WARD_LANDLOCK_H

#include "error.h"
#include "spec.h"

#define WARD_LANDLOCK_ANNOTATION "run.ward.landlock"
#define WARD_LANDLOCK_ANNOTATION_TCP_BIND "run.ward.landlock.tcp-bind"
#define WARD_LANDLOCK_ANNOTATION_TCP_CONNECT "run.ward.landlock.tcp-connect"
#define WARD_LANDLOCK_ANNOTATION_SCOPE "run.ward.landlock.scope"
#define WARD_LANDLOCK_ANNOTATION_MIN_ABI "run.ward.landlock.min-abi"
/* Suggested `ward features` annotation: the running kernel's ABI as a
 * decimal string, "0" when Landlock is unavailable. A features key only:
 * in a config it is rejected like any unknown run.ward.landlock.* key. */
#define WARD_LANDLOCK_FEATURE_ABI "run.ward.landlock.abi"

struct ward_landlock;

/* The kernel's Landlock ABI version (1, 2, ...), 0 when Landlock is not
 * built in, not enabled at boot (lsm=), or refused by seccomp. */
int landlock_abi(void);

/* Parse the annotations of `s` and plan the rules. *out = NULL when
 * Landlock is not enabled. Pure apart from probing the ABI. */
int landlock_prepare(const struct spec *s, struct ward_landlock **out, struct ward_error *err);

/* Build the ruleset from the current "/" and enforce it on the calling
 * process (see "Where to call it" above). NULL `l`: nothing to do. */
int landlock_apply(struct ward_landlock *l, struct ward_error *err);

void landlock_free(struct ward_landlock *l);

/* ---- for tests ---- */
/* landlock_prepare() with a given ABI instead of the probed one. */
int landlock_prepare_abi(const struct spec *s, int abi, struct ward_landlock **out,
			 struct ward_error *err);
/* landlock_apply() with the container's "/" at host path `root` (the
 * rules' container paths are resolved inside it). */
int landlock_apply_at(struct ward_landlock *l, const char *root, struct ward_error *err);

#endif
