/* The last steps of a container process, shared by init and `ward exec`:
 * process attributes, LSM labels, user, capabilities, no_new_privileges,
 * seccomp and execve, in runc's order (standard_init_linux.go and
 * finalizeNamespace in init_linux.go). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "passwd.h"
#include "security.h"

/* runc's default when process.env has no PATH. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- the environment ---- */

static size_t env_key_len(const char *e)
{
	const char *eq = strchr(e, '=');

	return eq ? (size_t)(eq - e) : 0;
}

struct env_entry {
	const char *s;
	size_t klen, index;
};

static int env_entry_cmp(const void *a, const void *b)
{
	const struct env_entry *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int r = memcmp(x->s, y->s, n);

	if (r == 0 && x->klen != y->klen)
		r = x->klen < y->klen ? -1 : 1;
	if (r == 0)
		r = x->index < y->index ? -1 : 1;
	return r;
}

/* process.env as given, except that a repeated key keeps its last value in
 * its first position (runc sets each variable in turn) and HOME comes from
 * the user's passwd entry (or "/") when the config leaves it unset. Sorting
 * by key finds the repeats in O(n log n) for however long a list. */
static int build_env(const struct spec_process *p, struct exec_plan *plan, struct ward_error *err)
{
	size_t m = p->env.len, n = 0, home_at = (size_t)-1;
	cleanup_free struct env_entry *sorted = calloc(m + 1, sizeof(*sorted));
	cleanup_free size_t *value_of = calloc(m + 1, sizeof(*value_of));
	const char *home_val = NULL;

	plan->envp = calloc(m + 2, sizeof(char *));
	if (plan->envp == NULL || sorted == NULL || value_of == NULL)
		return ward_error_set(err, ENOMEM, "environment");
	for (size_t i = 0; i < m; i++) {
		char *e = p->env.items[i];
		size_t klen = env_key_len(e);

		if (klen == 0)
			return ward_error_set(err, EINVAL, "invalid environment variable \"%s\": %s", e,
					      strchr(e, '=') ? "name cannot be empty" : "missing '='");
		sorted[i] = (struct env_entry){ .s = e, .klen = klen, .index = i };
	}
	qsort(sorted, m, sizeof(*sorted), env_entry_cmp);
	/* value_of[first index of a key] = 1 + last index of that key; 0 for
	 * the later repeats, which take no position of their own */
	for (size_t g = 0; g < m;) {
		size_t h = g + 1;

		while (h < m && sorted[h].klen == sorted[g].klen &&
		       memcmp(sorted[h].s, sorted[g].s, sorted[g].klen) == 0)
			h++;
		value_of[sorted[g].index] = sorted[h - 1].index + 1;
		g = h;
	}
	for (size_t i = 0; i < m; i++) {
		char *e;

		if (value_of[i] == 0)
			continue;
		e = p->env.items[value_of[i] - 1];
		if (strncmp(e, "HOME=", 5) == 0) {
			home_at = n;
			home_val = e + 5;
		}
		plan->envp[n++] = e;
	}
	if (home_val == NULL || home_val[0] == '\0') {
		cleanup_free char *dir = passwd_lookup(p->user.uid, PASSWD_HOME);

		if (asprintf(&plan->home, "HOME=%s", dir ? dir : "/") < 0) {
			plan->home = NULL;
			return ward_error_set(err, ENOMEM, "environment");
		}
		if (home_at != (size_t)-1)
			plan->envp[home_at] = plan->home;
		else
			plan->envp[n++] = plan->home;
	}
	plan->envp[n] = NULL;
	return 0;
}

static const char *env_lookup(char *const *envp, const char *key)
{
	size_t klen = strlen(key);

	for (; *envp; envp++)
		if (strncmp(*envp, key, klen) == 0 && (*envp)[klen] == '=')
			return *envp + klen + 1;
	return NULL;
}

/* ---- the executable ---- */

/* What Go's exec.LookPath checks (runc reports its errors): a file that
 * is not a directory and that we may execute. */
static int check_executable(const char *path, bool *is_stat_err)
{
	struct stat st;

	*is_stat_err = false;
	if (stat(path, &st) < 0) {
		*is_stat_err = true;
		return -errno;
	}
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
		return -errno;
	return 0;
}

static int resolve_path(const char *file, const char *path_env, char **out, struct ward_error *err)
{
	bool stat_err;
	int rc;

	if (strchr(file, '/') != NULL) {
		rc = check_executable(file, &stat_err);
		if (rc == 0) {
			*out = strdup(file);
			return *out ? 0 : ward_error_set(err, ENOMEM, "exec");
		}
		if (stat_err)
			return ward_error_set(err, -rc, "exec: \"%s\": stat %s", file, file);
		return ward_error_set(err, -rc, "exec: \"%s\"", file);
	}
	for (const char *dir = path_env;; dir++) {
		const char *end = strchrnul(dir, ':');
		int dlen = (int)(end - dir);
		char *cand = NULL;

		/* An empty PATH entry means the current directory. */
		if (asprintf(&cand, "%.*s/%s", dlen ? dlen : 1, dlen ? dir : ".", file) < 0)
			return ward_error_set(err, ENOMEM, "exec");
		if (check_executable(cand, &stat_err) == 0) {
			*out = cand;
			return 0;
		}
		free(cand);
		if (*end == '\0')
			break;
		dir = end;
	}
	/* runc's (Go's) wording, without a strerror suffix. */
	ward_error_set(err, 0, "exec: \"%s\": executable file not found in $PATH", file);
	if (err != NULL)
		err->errnum = ENOENT;
	return -1;
}

/* execve(2) refuses a string longer than MAX_ARG_STRLEN (32 pages) and
 * arguments plus environment (strings and pointers) beyond 3/4 of the
 * 8 MiB _STK_LIM, whatever RLIMIT_STACK says: say so now, by name. */
#define EXEC_TOTAL_MAX (6UL << 20)

static int check_exec_size(const struct spec_process *p, const struct exec_plan *plan,
			   struct ward_error *err)
{
	size_t str_max = 32 * (size_t)sysconf(_SC_PAGESIZE), total = 2 * sizeof(char *);

	for (size_t i = 0; i < p->args.len; i++) {
		size_t n = strlen(p->args.items[i]) + 1;

		if (n > str_max)
			return ward_error_set(err, E2BIG, "process.args[%zu] is %zu bytes, the kernel takes at most %zu",
					      i, n - 1, str_max - 1);
		total += n + sizeof(char *);
	}
	for (char *const *e = plan->envp; *e; e++) {
		size_t n = strlen(*e) + 1;

		if (n > str_max)
			return ward_error_set(err, E2BIG, "environment variable %.*s is %zu bytes, the kernel takes at most %zu",
					      (int)env_key_len(*e), *e, n - 1, str_max - 1);
		total += n + sizeof(char *);
	}
	if (total > EXEC_TOTAL_MAX)
		return ward_error_set(err, E2BIG,
				      "process.args and process.env take %zu bytes, more than the kernel's limit of %lu for execve",
				      total, EXEC_TOTAL_MAX);
	return 0;
}

int exec_plan_prepare(const struct spec_process *p, struct exec_plan *plan, struct ward_error *err)
{
	const char *path_env;

	memset(plan, 0, sizeof(*plan));
	if (p->args.len == 0 || p->args.items[0] == NULL || p->args.items[0][0] == '\0')
		return ward_error_set(err, EINVAL, "process.args must not be empty");
	if (build_env(p, plan, err) < 0) {
		exec_plan_release(plan);
		return -1;
	}
	if (check_exec_size(p, plan, err) < 0) {
		exec_plan_release(plan);
		return -1;
	}
	path_env = env_lookup(plan->envp, "PATH");
	if (path_env == NULL)
		path_env = DEFAULT_PATH;
	if (resolve_path(p->args.items[0], path_env, &plan->path, err) < 0) {
		exec_plan_release(plan);
		return -1;
	}
	return 0;
}

void exec_plan_release(struct exec_plan *plan)
{
	free(plan->path);
	free(plan->envp);
	free(plan->home);
	memset(plan, 0, sizeof(*plan));
}

int exec_plan_run(const struct spec_process *p, const struct exec_plan *plan, struct ward_error *err)
{
	execve(plan->path, p->args.items, plan->envp);
	return ward_error_errno(err, "exec %s", plan->path);
}

/* ---- entry points ---- */

static int check_cwd(const struct spec_process *p, struct ward_error *err)
{
	if (p->cwd != NULL && p->cwd[0] != '/')
		return ward_error_set(err, EINVAL, "cwd \"%s\" is not an absolute path", p->cwd);
	return 0;
}

static int do_chdir(const char *cwd, struct ward_error *err)
{
	if (chdir(cwd) < 0)
		return ward_error_errno(err, "chdir to cwd (\"%s\") set in config.json failed", cwd);
	return 0;
}

int process_exec(const struct spec_process *p, struct ward_error *err)
{
	struct exec_plan plan;

	if (check_cwd(p, err) < 0)
		return -1;
	if (p->cwd != NULL && do_chdir(p->cwd, err) < 0)
		return -1;
	if (exec_plan_prepare(p, &plan, err) < 0)
		return -1;
	exec_plan_run(p, &plan, err);
	exec_plan_release(&plan);
	return -1;
}

/* runc's order, with one difference: everything that reads files or
 * resolves paths (the executable, cwd, /proc/self/setgroups, stdio) is
 * done before any filter is loaded, so that a profile lacking faccessat2,
 * newfstatat, openat... still runs the container. Under the filter only
 * the calls that change our credentials remain (and execve). */
int process_confine(const struct spec *s, const struct spec_process *p, struct ward_seccomp *f,
		    struct exec_plan *plan, struct ward_error *err)
{
	bool chdir_later = false, setgroups_ok;
	int pdeath = 0;
	uint64_t bset = 0;

	memset(plan, 0, sizeof(*plan));
	if (check_cwd(p, err) < 0)
		return -1;
	if (rlimits_apply(p, err) < 0 || oom_score_adj_apply(p, err) < 0 ||
	    personality_apply(s->linux, err) < 0 || ioprio_apply(p, err) < 0 ||
	    scheduler_apply(p, err) < 0 || apparmor_apply(p, err) < 0 || selinux_apply(p, err) < 0)
		return -1;

	/* chdir as root first (the directory may be closed to the user);
	 * retry as the user if root was refused (a root-squashed volume). */
	if (p->cwd != NULL && chdir(p->cwd) < 0) {
		if (errno != EACCES && errno != EPERM)
			return do_chdir(p->cwd, err);
		chdir_later = true;
	}
	if (user_prepare(p, &setgroups_ok, err) < 0)
		return ward_error_wrap(err, "unable to setup user");
	/* The executable is looked up as the user, whose access is what
	 * counts (runc's LookPath), unless the filter goes on before the user
	 * switch: then it is looked up now, as root, and execve itself
	 * reports what the user may not run. A relative one needs the final
	 * cwd. */
	if (f != NULL && !p->no_new_privileges && !chdir_later &&
	    exec_plan_prepare(p, plan, err) < 0)
		return -1;
	if (prctl(PR_GET_PDEATHSIG, &pdeath, 0, 0, 0) < 0)
		return ward_error_errno(err, "prctl(PR_GET_PDEATHSIG)");

	/* Without no_new_privileges, loading a filter needs CAP_SYS_ADMIN:
	 * load it now, while we hold it (runc does the same). */
	if (f != NULL && !p->no_new_privileges && seccomp_apply(f, err) < 0)
		return -1;

	/* The bounding set can only shrink with CAP_SETPCAP: drop it while
	 * still root. */
	if (caps_drop_bounding(p, &bset, err) < 0)
		return -1;
	/* A credential change clears the parent-death signal. */
	if (user_apply(p, setgroups_ok, err) < 0)
		return ward_error_wrap(err, "unable to setup user");
	if (pdeath != 0 && prctl(PR_SET_PDEATHSIG, pdeath, 0, 0, 0) < 0)
		return ward_error_errno(err, "prctl(PR_SET_PDEATHSIG)");
	if (chdir_later && do_chdir(p->cwd, err) < 0)
		return -1;

	if (caps_apply(p, bset, err) < 0)
		return -1;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return ward_error_errno(err, "prctl(PR_SET_NO_NEW_PRIVS)");

	if (plan->path == NULL && exec_plan_prepare(p, plan, err) < 0)
		return -1;
	if (f != NULL && p->no_new_privileges && seccomp_apply(f, err) < 0)
		return -1;
	return 0;
}

int process_finalize_and_exec(const struct spec *s, const struct spec_process *p,
			      struct ward_seccomp *f, struct ward_error *err)
{
	cleanup_exec_plan struct exec_plan plan = { 0 };

	if (process_confine(s, p, f, &plan, err) < 0)
		return -1;
	return exec_plan_run(p, &plan, err);
}
