/* Internal helpers shared by the security and process-attribute modules
 * (caps.c, user.c, exec.c, oom.c, lsm.c, sysctl.c...). The public entry
 * points are declared in container.h. */
#ifndef WARD_SECURITY_H
#define WARD_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "spec.h"

/* Write `len` bytes to a file that must live on procfs (checked with
 * fstatfs after an O_NOFOLLOW open), in one write(2) as procfs expects.
 * ENOENT is reported as such so callers can fall back. */
int procfs_write_file(const char *path, const char *buf, size_t len, struct ward_error *err);

/* caps.c: drop every capability not in process.capabilities.bounding from
 * the bounding set. Needs CAP_SETPCAP, so call it while still privileged
 * (before the uid change). *bset gets the bounding set left, for
 * caps_apply(), which repeats the drop harmlessly. */
int caps_drop_bounding(const struct spec_process *p, uint64_t *bset, struct ward_error *err);

/* seccomp.c: libseccomp's token for an OCI name ("SCMP_ARCH_X86_64"), 0 if
 * this libseccomp does not know it. */
uint32_t seccomp_arch_token(const char *name);
/* Whether this kernel can execute syscalls of that ABI (native or compat);
 * filters leave out the rules for the others. */
bool seccomp_arch_runs_here(uint32_t token);
bool seccomp_arch_usable(const char *name);

/* seccomp_cache.c: compiled filters in the state root, keyed by the
 * profile, the ward binary, libseccomp and the kernel. set_root(NULL)
 * turns it off (the default). load: 0 and a malloc'd program on a hit. */
struct spec_seccomp;
struct sock_filter;
void seccomp_cache_set_root(const char *state_root);
int seccomp_cache_load(const struct spec_seccomp *sc, struct sock_filter **ins, size_t *len,
		       unsigned int *flags);
void seccomp_cache_store(const struct spec_seccomp *sc, const struct sock_filter *ins, size_t len,
			 unsigned int flags);

/* seccomp_enosys.c: the BPF to run before the filter so that syscalls newer
 * than the profile fail with ENOSYS (runc's patchbpf). *out is NULL when no
 * stub is needed (permissive default action, no architectures listed). */
struct sock_filter;
int seccomp_enosys_stub(const struct spec_seccomp *sc, struct sock_filter **out, size_t *out_len,
			struct ward_error *err);

/* exec.c: what execve needs, computed before seccomp is loaded so that as
 * few syscalls as possible run under the filter. */
struct exec_plan {
	char *path;   /* resolved executable */
	char **envp;  /* NULL-terminated; strings borrowed from the spec except `home` */
	char *home;   /* malloc'd "HOME=..." added when process.env has none */
};
int exec_plan_prepare(const struct spec_process *p, struct exec_plan *plan, struct ward_error *err);
void exec_plan_release(struct exec_plan *plan);
#define cleanup_exec_plan __attribute__((cleanup(exec_plan_release)))
/* execve; returns only on failure (-1 with err set). */
int exec_plan_run(const struct spec_process *p, const struct exec_plan *plan, struct ward_error *err);

#endif
