/* linux.seccomp (config-linux.md "Seccomp"), compiled with libseccomp.
 * seccomp_prepare() builds the BPF program early so that a bad profile
 * fails at create time; seccomp_apply() only loads it, as late as
 * possible. Rules follow runc (libcontainer/seccomp): redundant rules are
 * skipped, names the library does not know are skipped, several conditions
 * on one argument index become separate rules (libseccomp cannot AND
 * them), and the -ENOSYS stub goes in front (seccomp_enosys.c). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "container.h"
#include "jsonw.h"
#include "log.h"
#include "policy_eval.h"
#include "security.h"

/* The filter is compiled to BPF at prepare time: loading it is then a
 * single seccomp(2) call in the container process. */
struct ward_seccomp {
	struct sock_filter *ins;
	size_t len;
	unsigned int flags; /* SECCOMP_FILTER_FLAG_* */
	int listener_fd;    /* SCMP_ACT_NOTIFY: connected to listenerPath, else -1 */
	char *metadata;     /* linux.seccomp.listenerMetadata */
	char *message;      /* containerProcessState, set before the filter is loaded */
	struct ward_seccomp *floor; /* the policy's floor, loaded first (stacked) */
};

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx != NULL)
		seccomp_release(*ctx);
	*ctx = NULL;
}

#define SYSCALL_MAX_ARGS 6

static void seccomp_freep(struct ward_seccomp **f)
{
	seccomp_free(*f);
	*f = NULL;
}

static uint32_t action_value(enum spec_seccomp_action a, opt_u32 errno_ret, bool *ok)
{
	/* ERRNO and TRACE default to EPERM, as in runc. */
	uint32_t ret = errno_ret.set ? errno_ret.value : EPERM;

	*ok = true;
	switch (a) {
	case SPEC_SCMP_ACT_KILL:
	case SPEC_SCMP_ACT_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case SPEC_SCMP_ACT_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case SPEC_SCMP_ACT_TRAP:
		return SCMP_ACT_TRAP;
	case SPEC_SCMP_ACT_ERRNO:
		return SCMP_ACT_ERRNO(ret);
	case SPEC_SCMP_ACT_TRACE:
		return SCMP_ACT_TRACE(ret);
	case SPEC_SCMP_ACT_ALLOW:
		return SCMP_ACT_ALLOW;
	case SPEC_SCMP_ACT_LOG:
		return SCMP_ACT_LOG;
	case SPEC_SCMP_ACT_NOTIFY:
		return SCMP_ACT_NOTIFY;
	}
	*ok = false;
	return 0;
}

static int op_value(enum spec_seccomp_op op, enum scmp_compare *out)
{
	switch (op) {
	case SPEC_SCMP_NE: *out = SCMP_CMP_NE; return 0;
	case SPEC_SCMP_LT: *out = SCMP_CMP_LT; return 0;
	case SPEC_SCMP_LE: *out = SCMP_CMP_LE; return 0;
	case SPEC_SCMP_EQ: *out = SCMP_CMP_EQ; return 0;
	case SPEC_SCMP_GE: *out = SCMP_CMP_GE; return 0;
	case SPEC_SCMP_GT: *out = SCMP_CMP_GT; return 0;
	case SPEC_SCMP_MASKED_EQ: *out = SCMP_CMP_MASKED_EQ; return 0;
	}
	return -1;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64" -> its arch token. */
uint32_t seccomp_arch_token(const char *name)
{
	static const char prefix[] = "SCMP_ARCH_";
	const char *s = name;
	char lower[32];
	size_t i;

	if (strncmp(s, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	s += sizeof(prefix) - 1;
	for (i = 0; s[i] != '\0' && i < sizeof(lower) - 1; i++)
		lower[i] = (char)tolower((unsigned char)s[i]);
	lower[i] = '\0';
	return s[i] == '\0' && i > 0 ? seccomp_arch_resolve_name(lower) : 0;
}

bool seccomp_arch_runs_here(uint32_t token)
{
	/* The ABIs this kernel's architecture can execute (native and
	 * compat); a syscall can only ever carry one of these. */
	static const struct {
		uint32_t native, also[2];
	} compat[] = {
		{ SCMP_ARCH_X86_64, { SCMP_ARCH_X86, SCMP_ARCH_X32 } },
		{ SCMP_ARCH_AARCH64, { SCMP_ARCH_ARM, 0 } },
		{ SCMP_ARCH_S390X, { SCMP_ARCH_S390, 0 } },
		{ SCMP_ARCH_PPC64, { SCMP_ARCH_PPC, 0 } },
		{ SCMP_ARCH_MIPS64, { SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64N32 } },
		{ SCMP_ARCH_MIPSEL64, { SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64N32 } },
	};
	uint32_t native = seccomp_arch_native();

	if (token == native)
		return true;
	for (size_t i = 0; i < sizeof(compat) / sizeof(compat[0]); i++)
		if (compat[i].native == native)
			return token == compat[i].also[0] || token == compat[i].also[1];
	return false;
}

/* Whether add_arch() succeeds for `name` here: libseccomp must know it,
 * and it must share the native byte order (libseccomp refuses to mix
 * them in one filter, EDOM). */
bool seccomp_arch_usable(const char *name)
{
	uint32_t token = seccomp_arch_token(name);
	scmp_filter_ctx ctx;
	int rc;

	if (token == 0)
		return false;
	if (seccomp_arch_runs_here(token))
		return true;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return false;
	rc = seccomp_arch_add(ctx, token);
	seccomp_release(ctx);
	return rc == 0 || rc == -EEXIST;
}

static int add_arch(scmp_filter_ctx ctx, const char *name, struct ward_error *err)
{
	uint32_t token = seccomp_arch_token(name);
	int rc;

	if (token == 0)
		return ward_error_set(err, EINVAL, "seccomp: architecture %s is not supported by libseccomp",
				      name);
	/* A profile lists other architectures for portability: rules for an
	 * ABI this kernel cannot run would never match, and leaving it out
	 * changes nothing (a syscall of an architecture the filter lacks
	 * still meets libseccomp's bad-arch action, as before). It only
	 * halves the compile time and the program. */
	if (!seccomp_arch_runs_here(token)) {
		/* Left out, but refused where libseccomp would refuse it
		 * (another byte order), as runc does. */
		if (!seccomp_arch_usable(name))
			return ward_error_set(err, EDOM, "seccomp: adding architecture %s", name);
		return 0;
	}
	rc = seccomp_arch_add(ctx, token);
	if (rc < 0 && rc != -EEXIST)
		return ward_error_set(err, -rc, "seccomp: adding architecture %s", name);
	return 0;
}

/* Flags are checked with libseccomp (which knows what the kernel
 * supports) and passed to seccomp(2) when the filter is loaded. */
static int set_flag(scmp_filter_ctx ctx, const char *flag, unsigned int *kflags,
		    struct ward_error *err)
{
	enum scmp_filter_attr attr;
	int rc;

	if (strcmp(flag, "SECCOMP_FILTER_FLAG_TSYNC") == 0) {
		attr = SCMP_FLTATR_CTL_TSYNC;
		*kflags |= SECCOMP_FILTER_FLAG_TSYNC;
	} else if (strcmp(flag, "SECCOMP_FILTER_FLAG_LOG") == 0) {
		attr = SCMP_FLTATR_CTL_LOG;
		*kflags |= SECCOMP_FILTER_FLAG_LOG;
	} else if (strcmp(flag, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0) {
		attr = SCMP_FLTATR_CTL_SSB;
		*kflags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	} else if (strcmp(flag, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0) {
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
		attr = SCMP_FLTATR_CTL_WAITKILL;
		*kflags |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
#else
		return ward_error_set(err, EOPNOTSUPP,
				      "seccomp flag %s needs libseccomp >= 2.6 (ward was built with %d.%d.%d)",
				      flag, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
#endif
	} else
		return ward_error_set(err, EINVAL, "seccomp flag %s is not known to ward", flag);
	rc = seccomp_attr_set(ctx, attr, 1);
	if (rc < 0)
		return ward_error_set(err, -rc, "seccomp flag %s is not supported by libseccomp or the kernel",
				      flag);
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct spec_seccomp_syscall *call, const char *name,
		    int nr, uint32_t act, struct ward_error *err)
{
	struct scmp_arg_cmp conds[SYSCALL_MAX_ARGS];
	unsigned count[SYSCALL_MAX_ARGS] = { 0 };
	bool split = false;
	int rc;

	if (call->n_args == 0) {
		rc = seccomp_rule_add(ctx, act, nr, 0);
		if (rc < 0)
			return ward_error_set(err, -rc, "error adding seccomp filter rule for syscall %s", name);
		return 0;
	}
	if (call->n_args > SYSCALL_MAX_ARGS)
		return ward_error_set(err, EINVAL, "seccomp: syscall %s has %zu argument conditions (at most %d)",
				      name, call->n_args, SYSCALL_MAX_ARGS);
	for (size_t i = 0; i < call->n_args; i++) {
		const struct spec_seccomp_arg *a = &call->args[i];

		if (a->index >= SYSCALL_MAX_ARGS)
			return ward_error_set(err, EINVAL, "seccomp: syscall %s: argument index %u is out of range",
					      name, a->index);
		if (op_value(a->op, &conds[i].op) < 0)
			return ward_error_set(err, EINVAL, "seccomp: syscall %s: invalid operator %d", name,
					      (int)a->op);
		conds[i].arg = a->index;
		conds[i].datum_a = a->value;
		conds[i].datum_b = a->value_two;
		if (++count[a->index] > 1)
			split = true;
	}
	if (!split) {
		rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)call->n_args, conds);
		if (rc < 0)
			return ward_error_set(err, -rc, "error adding seccomp rule for syscall %s", name);
		return 0;
	}
	/* Conditions sharing an index: one rule each, i.e. any of them
	 * matches (runc's behaviour for this case). */
	for (size_t i = 0; i < call->n_args; i++) {
		rc = seccomp_rule_add_array(ctx, act, nr, 1, &conds[i]);
		if (rc < 0)
			return ward_error_set(err, -rc, "error adding seccomp rule for syscall %s", name);
	}
	return 0;
}

/* Syscalls the runtime itself makes between loading a notifying filter
 * and handing its fd to the agent: notified before the agent has the fd,
 * they would block forever. write is refused as runc does (its init
 * writes the fd to the parent; ward's error path writes the log). Calls
 * after the hand-over (close, execve...) the agent can answer. */
static const char *const notify_forbidden[] = { "sendmsg", "write", NULL };

/* SCMP_ACT_NOTIFY (config-linux.md "Seccomp"): the agent listening on
 * listenerPath gets the notify fd. Returns 1 when the filter notifies. */
static int check_notify(const struct spec_seccomp *sc, struct ward_error *err)
{
	bool any = false;

	if (sc->default_action == SPEC_SCMP_ACT_NOTIFY)
		return ward_error_set(err, EINVAL, "SCMP_ACT_NOTIFY cannot be used as default action");
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct spec_seccomp_syscall *call = &sc->syscalls[i];

		if (call->action != SPEC_SCMP_ACT_NOTIFY)
			continue;
		any = true;
		for (size_t j = 0; j < call->names.len; j++)
			for (size_t k = 0; notify_forbidden[k]; k++)
				if (strcmp(call->names.items[j], notify_forbidden[k]) == 0)
					return ward_error_set(err, EINVAL,
							      "SCMP_ACT_NOTIFY cannot be used for the %s syscall (ward needs it to hand the notify fd to the agent)",
							      notify_forbidden[k]);
	}
	if (!any)
		return 0;
	if (sc->listener_path == NULL || sc->listener_path[0] == '\0')
		return ward_error_set(err, EINVAL,
				      "seccomp: SCMP_ACT_NOTIFY is used but linux.seccomp.listenerPath is not set");
	return 1;
}

/* The agent's socket, connected now (on the host, at create) so that a
 * missing agent fails `ward create` rather than the process after start. */
static int connect_listener(const char *path, struct ward_error *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	cleanup_close int fd = -1;

	if (strlen(path) >= sizeof(addr.sun_path))
		return ward_error_set(err, ENAMETOOLONG, "seccomp: listenerPath %s is too long", path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ward_error_errno(err, "seccomp: socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return ward_error_errno(err, "seccomp: cannot connect to the agent at listenerPath %s", path);
	return steal_fd(fd);
}

/* libseccomp's BPF for ctx, read back through a memfd. */
static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **out, size_t *len,
		      struct ward_error *err)
{
	cleanup_close int fd = memfd_create("ward-seccomp", MFD_CLOEXEC);
	cleanup_free struct sock_filter *ins = NULL;
	off_t size;
	ssize_t n;
	int rc;

	if (fd < 0)
		return ward_error_errno(err, "seccomp: memfd_create");
	rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return ward_error_set(err, -rc, "seccomp: exporting the filter");
	size = lseek(fd, 0, SEEK_CUR);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0)
		return ward_error_set(err, EINVAL, "seccomp: libseccomp exported %lld bytes of BPF",
				      (long long)size);
	ins = malloc((size_t)size);
	if (ins == NULL)
		return ward_error_set(err, ENOMEM, "seccomp");
	n = pread(fd, ins, (size_t)size, 0);
	if (n != size)
		return ward_error_errno(err, "seccomp: reading the exported filter");
	*len = (size_t)size / sizeof(struct sock_filter);
	*out = steal_ptr(ins);
	return 0;
}

/* One syscall name of one rule of the profile. */
struct rule_ref {
	const struct spec_seccomp_syscall *call;
	const char *name;
	int nr;
	uint32_t act;
	size_t order;
	bool dup;
};

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int rule_key_cmp(const struct rule_ref *x, const struct rule_ref *y)
{
	int r = x->nr != y->nr ? (x->nr < y->nr ? -1 : 1) : cmp_u64(x->act, y->act);

	if (r == 0)
		r = cmp_u64(x->call->n_args, y->call->n_args);
	for (size_t i = 0; r == 0 && i < x->call->n_args; i++) {
		const struct spec_seccomp_arg *a = &x->call->args[i], *b = &y->call->args[i];

		r = cmp_u64(a->index, b->index);
		if (r == 0)
			r = cmp_u64((uint64_t)a->op, (uint64_t)b->op);
		if (r == 0)
			r = cmp_u64(a->value, b->value);
		if (r == 0)
			r = cmp_u64(a->value_two, b->value_two);
	}
	return r;
}

static int rule_sort_cmp(const void *a, const void *b)
{
	const struct rule_ref *x = a, *y = b;
	int r = rule_key_cmp(x, y);

	return r ? r : cmp_u64(x->order, y->order);
}

static int rule_order_cmp(const void *a, const void *b)
{
	return cmp_u64(((const struct rule_ref *)a)->order, ((const struct rule_ref *)b)->order);
}

/* The profile's rules, each distinct one once, in the profile's order.
 * libseccomp merges every rule into a list per syscall, so its cost grows
 * with the square of the rules it is given: repeats (of a whole rule or a
 * name in one) are dropped here, and a profile with more distinct rules
 * than the kernel takes BPF instructions (each costs at least one) is
 * refused before libseccomp sees it. */
static int add_rules(scmp_filter_ctx ctx, const struct spec_seccomp *sc, uint32_t def,
		     struct ward_error *err)
{
	cleanup_free struct rule_ref *refs = NULL;
	size_t n = 0, total = 0, distinct = 0;
	bool ok;

	for (size_t i = 0; i < sc->n_syscalls; i++)
		total += sc->syscalls[i].names.len;
	refs = calloc(total + 1, sizeof(*refs));
	if (refs == NULL)
		return ward_error_set(err, ENOMEM, "seccomp");
	for (size_t i = 0; i < sc->n_syscalls; i++) {
		const struct spec_seccomp_syscall *call = &sc->syscalls[i];
		uint32_t act = action_value(call->action, call->errno_ret, &ok);

		if (!ok)
			return ward_error_set(err, EINVAL, "seccomp: syscalls[%zu]: invalid action %d", i,
					      (int)call->action);
		/* libseccomp refuses rules that repeat the default action. */
		if (act == def)
			continue;
		for (size_t j = 0; j < call->names.len; j++) {
			const char *name = call->names.items[j];
			int nr;

			if (name == NULL || name[0] == '\0')
				return ward_error_set(err, EINVAL, "seccomp: syscalls[%zu]: empty syscall name", i);
			nr = seccomp_syscall_resolve_name(name);
			if (nr == __NR_SCMP_ERROR) {
				/* Newer than this libseccomp, or another architecture's. */
				ward_debug("unknown seccomp syscall \"%s\" ignored", name);
				continue;
			}
			refs[n] = (struct rule_ref){ .call = call, .name = name, .nr = nr, .act = act,
						     .order = n };
			n++;
		}
	}
	qsort(refs, n, sizeof(*refs), rule_sort_cmp);
	for (size_t i = 0; i < n; i++) {
		refs[i].dup = i > 0 && rule_key_cmp(&refs[i - 1], &refs[i]) == 0;
		if (!refs[i].dup)
			distinct++;
	}
	if (distinct > BPF_MAXINSNS)
		return ward_error_set(err, E2BIG,
				      "seccomp: the profile has %zu distinct rules, more than the kernel's limit of %d BPF instructions could hold",
				      distinct, BPF_MAXINSNS);
	qsort(refs, n, sizeof(*refs), rule_order_cmp);
	for (size_t i = 0; i < n; i++)
		if (!refs[i].dup && add_rule(ctx, refs[i].call, refs[i].name, refs[i].nr, refs[i].act, err) < 0)
			return -1;
	return 0;
}

/* libseccomp's program for the profile (f->ins, f->len, f->flags). */
static int compile(const struct spec_seccomp *sc, uint32_t def, struct ward_seccomp *f,
		   struct ward_error *err)
{
	scmp_filter_ctx ctx __attribute__((cleanup(ctx_releasep))) = NULL;
	cleanup_free struct sock_filter *prog = NULL, *stub = NULL;
	size_t prog_len = 0, stub_len = 0;
	int rc;

	ctx = seccomp_init(def);
	if (ctx == NULL)
		return ward_error_set(err, EINVAL, "seccomp: error creating filter");
	/* no_new_privileges is ward's to set (or not), not libseccomp's;
	 * and report the kernel's own errno rather than ECANCELED. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0)
		return ward_error_set(err, -rc, "seccomp: setting filter attributes");
	/* A binary tree of syscalls pays off for long profiles; libseccomp
	 * <= 2.5.4 mishandles it with no rules at all (runc's threshold). */
	if (sc->n_syscalls > 32 && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
		ward_debug("seccomp binary tree optimization not available");

	for (size_t i = 0; i < sc->architectures.len; i++)
		if (add_arch(ctx, sc->architectures.items[i], err) < 0)
			return -1;
	for (size_t i = 0; i < sc->flags.len; i++)
		if (set_flag(ctx, sc->flags.items[i], &f->flags, err) < 0)
			return -1;

	if (add_rules(ctx, sc, def, err) < 0)
		return -1;

	if (export_bpf(ctx, &prog, &prog_len, err) < 0 ||
	    seccomp_enosys_stub(sc, &stub, &stub_len, err) < 0)
		return -1;
	if (prog_len + stub_len > BPF_MAXINSNS)
		return ward_error_set(err, E2BIG, "seccomp: the filter has %zu instructions, the kernel takes at most %d",
				      prog_len + stub_len, BPF_MAXINSNS);
	f->ins = malloc((prog_len + stub_len) * sizeof(*f->ins));
	if (f->ins == NULL)
		return ward_error_set(err, ENOMEM, "seccomp");
	if (stub_len)
		memcpy(f->ins, stub, stub_len * sizeof(*f->ins));
	memcpy(f->ins + stub_len, prog, prog_len * sizeof(*f->ins));
	f->len = prog_len + stub_len;
	return 0;
}

int seccomp_prepare(const struct spec_seccomp *sc, struct ward_seccomp **out, struct ward_error *err)
{
	struct ward_seccomp *f __attribute__((cleanup(seccomp_freep))) = NULL;
	uint32_t def;
	bool ok;
	int notify;

	*out = NULL;
	if (sc == NULL)
		return 0;
	notify = check_notify(sc, err);
	if (notify < 0)
		return -1;
	def = action_value(sc->default_action, sc->default_errno_ret, &ok);
	if (!ok)
		return ward_error_set(err, EINVAL, "seccomp: invalid default action %d", (int)sc->default_action);

	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return ward_error_set(err, ENOMEM, "seccomp");
	f->listener_fd = -1;
	/* Compiled once per profile, binary, libseccomp and kernel
	 * (seccomp_cache.c). */
	if (seccomp_cache_load(sc, &f->ins, &f->len, &f->flags) == 0) {
		ward_debug("seccomp: filter from the cache (%zu instructions)", f->len);
	} else {
		if (compile(sc, def, f, err) < 0)
			return -1;
		seccomp_cache_store(sc, f->ins, f->len, f->flags);
	}
	if (notify) {
		/* One listener per filter; with TSYNC the kernel wants
		 * TSYNC_ESRCH so that its return value can be the fd. */
		f->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
		if (f->flags & SECCOMP_FILTER_FLAG_TSYNC)
			f->flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
		if (sc->listener_metadata && !(f->metadata = strdup(sc->listener_metadata)))
			return ward_error_set(err, ENOMEM, "seccomp");
		f->listener_fd = connect_listener(sc->listener_path, err);
		if (f->listener_fd < 0)
			return -1;
	}
	*out = steal_ptr(f);
	return 0;
}

int seccomp_prepare_spec(const struct spec *s, struct ward_seccomp **out, struct ward_error *err)
{
	const struct spec_seccomp *sc = s->linux ? s->linux->seccomp : NULL;
	const char *floor = spec_annotation(s, WARD_SECCOMP_FLOOR_ANNOTATION);
	struct spec_linux def = { 0 };
	struct ward_seccomp *f = NULL;
	int rc;

	*out = NULL;
	if (floor && strcmp(floor, "default") != 0)
		return ward_error_set(err, EINVAL, "annotation \"%s\": \"%s\": want \"default\"",
				      WARD_SECCOMP_FLOOR_ANNOTATION, floor);
	if (seccomp_prepare(sc, out, err) < 0)
		return -1;
	if (floor == NULL)
		return 0;
	if (spec_default_seccomp(&def, err) < 0)
		return -1;
	rc = seccomp_prepare(def.seccomp, &f, err);
	spec_seccomp_free(def.seccomp);
	if (rc < 0)
		return ward_error_wrap(err, "seccomp floor");
	if (*out == NULL)
		*out = f;
	else
		(*out)->floor = f;
	return 0;
}

int seccomp_listener_fd(const struct ward_seccomp *f)
{
	return f ? f->listener_fd : -1;
}

/* runtime.md "containerProcessState": what the agent gets with the fd. */
int seccomp_set_process_state(struct ward_seccomp *f, pid_t pid, const char *state_json,
			      struct ward_error *err)
{
	struct jsonw w;
	cleanup_free char *head = NULL;
	size_t len;

	if (f == NULL || f->listener_fd < 0)
		return 0;
	if (state_json == NULL || state_json[0] != '{')
		return ward_error_set(err, EINVAL, "seccomp: no container state for the agent");
	jsonw_init(&w, NULL);
	jsonw_obj_open(&w);
	jsonw_kv_str(&w, "ociVersion", WARD_OCI_VERSION);
	jsonw_key(&w, "fds");
	jsonw_arr_open(&w);
	jsonw_str(&w, "seccompFd");
	jsonw_arr_close(&w);
	jsonw_kv_int(&w, "pid", pid);
	if (f->metadata)
		jsonw_kv_str(&w, "metadata", f->metadata);
	jsonw_obj_close(&w);
	head = jsonw_finish(&w, &len);
	if (head == NULL || len < 2)
		return ward_error_set(err, ENOMEM, "seccomp: container process state");
	/* The state object goes in last, as it is: drop the closing brace. */
	head[len - 1] = '\0';
	free(f->message);
	if (asprintf(&f->message, "%s,\"state\":%s}", head, state_json) < 0) {
		f->message = NULL;
		return ward_error_set(err, ENOMEM, "seccomp: container process state");
	}
	return 0;
}

/* The notify fd and the state, in one message (SCM_RIGHTS). */
static int send_to_agent(int sock, int notify_fd, const char *msg)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = strlen(msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &notify_fd, sizeof(int));
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != iov.iov_len) {
		errno = EPIPE; /* a stream socket: the rest would arrive without its fd */
		return -1;
	}
	return 0;
}

int seccomp_apply(struct ward_seccomp *f, struct ward_error *err)
{
	struct sock_fprog fprog;
	long rc;
	int saved;

	if (f == NULL)
		return 0;
	/* The kernel runs every filter and keeps the most restrictive
	 * verdict: the pair allows what both allow. */
	if (f->floor && seccomp_apply(f->floor, err) < 0)
		return -1;
	if (f->listener_fd >= 0 && f->message == NULL)
		return ward_error_set(err, EINVAL, "seccomp: the agent's container state was not prepared");
	fprog.len = (unsigned short)f->len;
	fprog.filter = f->ins;
	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &fprog);
	if (rc < 0) {
		if (errno == EACCES)
			return ward_error_errno(err,
						"error loading seccomp filter into kernel: needs no_new_privileges or CAP_SYS_ADMIN");
		return ward_error_errno(err, "error loading seccomp filter into kernel");
	}
	if (f->listener_fd < 0)
		return 0;
	/* Under the filter now: only sendmsg (never notified, see
	 * check_notify) until the agent holds the fd. Closing ours first on
	 * failure makes notified calls fail with ENOSYS rather than hang. */
	if (send_to_agent(f->listener_fd, (int)rc, f->message) < 0) {
		saved = errno;
		close((int)rc);
		close(f->listener_fd);
		f->listener_fd = -1;
		errno = saved;
		return ward_error_errno(err, "seccomp: sending the notify fd to the agent");
	}
	close((int)rc);
	close(f->listener_fd);
	f->listener_fd = -1;
	return 0;
}

void seccomp_free(struct ward_seccomp *f)
{
	if (f == NULL)
		return;
	if (f->listener_fd >= 0)
		close(f->listener_fd);
	free(f->metadata);
	free(f->message);
	free(f->ins);
	seccomp_free(f->floor);
	free(f);
}
