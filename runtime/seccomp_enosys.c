/* The -ENOSYS stub runc puts in front of a seccomp filter
 * (libcontainer/seccomp/patchbpf). A profile can only name syscalls its
 * author knew; with a denying default action, a syscall added to the
 * kernel later would fail with EPERM, and libcs only fall back to older
 * syscalls on ENOSYS (clone3, fchmodat2, ...). So, per listed
 * architecture, a syscall numbered above every syscall the profile names
 * gets ENOSYS, as on a kernel that lacks it. */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "security.h"

#define X32_SYSCALL_BIT 0x40000000U
#define MAX_ARCHES 24

struct arch_max {
	uint32_t audit;  /* AUDIT_ARCH_* in seccomp_data.arch */
	int64_t max;     /* highest syscall named, -1 if none */
	int64_t max_x32; /* x86_64 only: the same for x32 callers */
};

/* Jump targets fixed up once the layout is known. */
enum { TO_ENOSYS = -1, TO_FILTER = -2 };

struct prog {
	struct sock_filter *ins;
	int *target; /* TO_*, a section index, or INT32_MIN for none */
	size_t len, cap;
};

static int emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k, int target)
{
	if (p->len == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct sock_filter *ins = realloc(p->ins, cap * sizeof(*ins));
		int *tgt;

		if (ins == NULL)
			return -1;
		p->ins = ins;
		tgt = realloc(p->target, cap * sizeof(*tgt));
		if (tgt == NULL)
			return -1;
		p->target = tgt;
		p->cap = cap;
	}
	p->ins[p->len] = (struct sock_filter){ code, jt, jf, k };
	p->target[p->len] = target;
	p->len++;
	return 0;
}

static void prog_release(struct prog *p)
{
	free(p->ins);
	free(p->target);
	memset(p, 0, sizeof(*p));
}

#define JA(p, t) emit(p, BPF_JMP | BPF_JA, 0, 0, 0, t)
#define NONE INT32_MIN

/* "if nr > max: ENOSYS, else: the filter" (3 instructions). */
static int emit_max_check(struct prog *p, int64_t max)
{
	if (max < 0)
		return JA(p, TO_FILTER);
	if (emit(p, BPF_JMP | BPF_JGT | BPF_K, 0, 1, (uint32_t)max, NONE) < 0 || JA(p, TO_ENOSYS) < 0)
		return -1;
	return JA(p, TO_FILTER);
}

static int emit_section(struct prog *p, const struct arch_max *a)
{
	if (emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr), NONE) < 0)
		return -1;
	if (a->audit == AUDIT_ARCH_S390 || a->audit == AUDIT_ARCH_S390X) {
		/* Syscall 0 carries syscall numbers the kernel does not
		 * know on s390: answer it with ENOSYS too. */
		if (emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0, NONE) < 0 || JA(p, TO_ENOSYS) < 0)
			return -1;
	}
	if (a->audit != AUDIT_ARCH_X86_64)
		return emit_max_check(p, a->max);
	/* x32 callers share x86_64's arch value and set bit 30. */
	if (emit(p, BPF_JMP | BPF_JSET | BPF_K, 0, a->max_x32 < 0 ? 1 : 3, X32_SYSCALL_BIT, NONE) < 0 ||
	    emit_max_check(p, a->max_x32) < 0)
		return -1;
	return emit_max_check(p, a->max);
}

static void note_max(int64_t *slot, int nr)
{
	if (nr >= 0 && nr > *slot)
		*slot = nr;
}

static size_t collect(const struct spec_seccomp *sc, struct arch_max *arches)
{
	size_t n = 0;

	for (size_t i = 0; i < sc->architectures.len; i++) {
		uint32_t token = seccomp_arch_token(sc->architectures.items[i]);
		uint32_t audit = token == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : token;
		struct arch_max *a = NULL;

		/* As in the filter (seccomp.c): only ABIs this kernel runs. */
		if (token == 0 || !seccomp_arch_runs_here(token))
			continue;
		for (size_t j = 0; j < n; j++)
			if (arches[j].audit == audit)
				a = &arches[j];
		if (a == NULL) {
			if (n == MAX_ARCHES)
				continue;
			a = &arches[n++];
			*a = (struct arch_max){ audit, -1, -1 };
		}
		for (size_t r = 0; r < sc->n_syscalls; r++)
			for (size_t k = 0; k < sc->syscalls[r].names.len; k++) {
				int nr = seccomp_syscall_resolve_name_arch(token,
									   sc->syscalls[r].names.items[k]);

				note_max(token == SCMP_ARCH_X32 ? &a->max_x32 : &a->max, nr);
			}
	}
	return n;
}

static bool wants_stub(const struct spec_seccomp *sc)
{
	switch (sc->default_action) {
	case SPEC_SCMP_ACT_ALLOW:
	case SPEC_SCMP_ACT_LOG:
	case SPEC_SCMP_ACT_TRACE: /* a tracer handles new syscalls itself */
		return false;
	case SPEC_SCMP_ACT_ERRNO:
		return !(sc->default_errno_ret.set && sc->default_errno_ret.value == ENOSYS);
	default:
		return true;
	}
}

int seccomp_enosys_stub(const struct spec_seccomp *sc, struct sock_filter **out, size_t *out_len,
			struct ward_error *err)
{
	struct arch_max arches[MAX_ARCHES];
	struct prog p __attribute__((cleanup(prog_release))) = { 0 };
	cleanup_free size_t *start = NULL;
	size_t n, enosys_at;
	int rc = 0;

	*out = NULL;
	*out_len = 0;
	if (!wants_stub(sc))
		return 0;
	n = collect(sc, arches);
	if (n == 0)
		return 0;

	start = calloc(n, sizeof(*start));
	if (start == NULL)
		return ward_error_set(err, ENOMEM, "seccomp: -ENOSYS stub");
	/* Dispatch on the architecture, then one section per arch. */
	rc |= emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch), NONE);
	for (size_t i = 0; i < n; i++) {
		rc |= emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, arches[i].audit, NONE);
		rc |= JA(&p, (int)i);
	}
	rc |= JA(&p, TO_FILTER);
	for (size_t i = 0; i < n; i++) {
		start[i] = p.len;
		rc |= emit_section(&p, &arches[i]);
	}
	enosys_at = p.len;
	rc |= emit(&p, BPF_RET | BPF_K, 0, 0, SCMP_ACT_ERRNO(ENOSYS), NONE);
	if (rc != 0)
		return ward_error_set(err, ENOMEM, "seccomp: -ENOSYS stub");

	/* The filter starts right after the stub. */
	for (size_t i = 0; i < p.len; i++) {
		size_t to;

		if (p.target[i] == NONE)
			continue;
		to = p.target[i] == TO_ENOSYS ? enosys_at
		     : p.target[i] == TO_FILTER ? p.len
						: start[p.target[i]];
		p.ins[i].k = (uint32_t)(to - (i + 1));
	}
	*out_len = p.len;
	*out = steal_ptr(p.ins);
	return 0;
}
