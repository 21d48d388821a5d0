/* cgroup v2 has no devices controller: access to device nodes is decided
 * by BPF_PROG_TYPE_CGROUP_DEVICE programs attached to the cgroup. The
 * program is generated here from the device policy (cgroup_devices.c) and
 * loaded with the bpf(2) syscall directly.
 *
 * The program sees struct bpf_cgroup_dev_ctx { access_type, major, minor },
 * access_type being (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*, and returns
 * 1 to allow, 0 to refuse (EPERM). It checks each exception in turn and
 * returns its verdict on the first match, else the default. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_priv.h"
#include "cleanup.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
/* dst = *(u32 *)(src + off) */
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_W | BPF_MEM, d, s, o, 0)
#define ALU32_IMM(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV32_REG(d, s) INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
/* 32-bit compares: majors and minors are u32 in the context. */
#define JMP32_IMM(op, d, i, o) INSN(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Registers: r2 device type, r3 access, r4 major, r5 minor, r6 scratch. */
enum { R0, R1, R2, R3, R4, R5, R6 };

static unsigned bpf_access(unsigned a)
{
	return ((a & CG_DEV_READ) ? BPF_DEVCG_ACC_READ : 0) |
	       ((a & CG_DEV_WRITE) ? BPF_DEVCG_ACC_WRITE : 0) |
	       ((a & CG_DEV_MKNOD) ? BPF_DEVCG_ACC_MKNOD : 0);
}

struct bpf_insn *cg_bpf_dev_program(const struct cg_dev_state *st, size_t *n,
				    struct ward_error *err)
{
	/* At most 9 instructions per exception, 6 of prologue, 2 of end. */
	size_t cap = 8 + 9 * st->n, len = 0;
	struct bpf_insn *p = calloc(cap, sizeof(*p));

	if (!p) {
		ward_error_set(err, ENOMEM, "device program");
		return NULL;
	}
	p[len++] = LDX_W(R2, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[len++] = ALU32_IMM(BPF_AND, R2, 0xffff);
	p[len++] = LDX_W(R3, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type));
	p[len++] = ALU32_IMM(BPF_RSH, R3, 16);
	p[len++] = LDX_W(R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major));
	p[len++] = LDX_W(R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor));
	for (size_t i = 0; i < st->n; i++) {
		const struct cg_dev_rule *e = &st->ex[i];
		size_t jumps[4], nj = 0;
		/* Every test jumps past this block when it does not match. */
		jumps[nj++] = len;
		p[len++] = JMP32_IMM(BPF_JNE, R2, e->type == 'b' ? BPF_DEVCG_DEV_BLOCK
								  : BPF_DEVCG_DEV_CHAR, 0);
		if (e->access != CG_DEV_ALL) {
			p[len++] = MOV32_REG(R6, R3);
			if (!st->default_allow) {
				/* allowed: nothing asked beyond the exception */
				p[len++] = ALU32_IMM(BPF_AND, R6, (int)~bpf_access(e->access));
				jumps[nj++] = len;
				p[len++] = JMP32_IMM(BPF_JNE, R6, 0, 0);
			} else {
				/* denied: anything asked within the exception */
				p[len++] = ALU32_IMM(BPF_AND, R6, (int)bpf_access(e->access));
				jumps[nj++] = len;
				p[len++] = JMP32_IMM(BPF_JEQ, R6, 0, 0);
			}
		}
		if (e->major != CG_DEV_WILDCARD) {
			jumps[nj++] = len;
			p[len++] = JMP32_IMM(BPF_JNE, R4, (int)(uint32_t)e->major, 0);
		}
		if (e->minor != CG_DEV_WILDCARD) {
			jumps[nj++] = len;
			p[len++] = JMP32_IMM(BPF_JNE, R5, (int)(uint32_t)e->minor, 0);
		}
		p[len++] = MOV64_IMM(R0, st->default_allow ? 0 : 1);
		p[len++] = EXIT();
		for (size_t j = 0; j < nj; j++)
			p[jumps[j]].off = (int16_t)(len - jumps[j] - 1);
	}
	p[len++] = MOV64_IMM(R0, st->default_allow ? 1 : 0);
	p[len++] = EXIT();
	*n = len;
	return p;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load(const struct bpf_insn *insns, size_t n, struct ward_error *err)
{
	static char log[4096];
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uintptr_t) "Apache-2.0";
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	int saved = errno;
	if (saved == EPERM || saved == ENOSYS)
		return ward_error_set(err, saved, "load the device cgroup program");
	/* Load again with the verifier's log, for a useful message. */
	log[0] = '\0';
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	log[strcspn(log, "\n")] = '\0';
	return ward_error_set(err, saved, "load the device cgroup program (verifier: %s)", log);
}

/* Programs attached to the cgroup itself (not inherited). */
static int query(int cgfd, uint32_t *ids, uint32_t *n, struct ward_error *err)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uintptr_t)ids;
	a.query.prog_cnt = *n;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return ward_error_errno(err, "query device cgroup programs");
	*n = a.query.prog_cnt;
	return 0;
}

static int prog_fd_by_id(uint32_t id)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	return (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
}

static int attach(int cgfd, int prog, int replace, struct ward_error *err)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	/* ALLOW_MULTI: a parent's program (a nested runtime's, systemd's)
	 * keeps applying too; every program must allow an access. */
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (replace >= 0) {
		a.attach_flags |= BPF_F_REPLACE;
		a.replace_bpf_fd = (uint32_t)replace;
	}
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return ward_error_errno(err, "attach the device cgroup program");
	return 0;
}

static int detach(int cgfd, int prog, struct ward_error *err)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	if (sys_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
		return ward_error_errno(err, "detach the old device cgroup program");
	return 0;
}

int cg_v2_set_devices(const char *dir, const struct cg_dev_state *st, struct ward_error *err)
{
	size_t n;
	uint32_t ids[64], nids = 64;
	cleanup_free struct bpf_insn *insns = cg_bpf_dev_program(st, &n, err);

	if (!insns)
		return -1;
	cleanup_close int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return ward_error_errno(err, "open cgroup %s", dir);
	cleanup_close int prog = load(insns, n, err);
	if (prog < 0)
		return -1;
	if (query(cgfd, ids, &nids, err) < 0)
		return -1;
	if (nids > 64)
		return ward_error_set(err, E2BIG, "too many device programs on %s", dir);
	/* One old program (an update): swap it atomically. */
	if (nids == 1) {
		cleanup_close int old = prog_fd_by_id(ids[0]);
		if (old >= 0 && attach(cgfd, prog, old, NULL) == 0)
			return 0;
	}
	/* Otherwise attach first and detach the old ones after: there is
	 * never a moment without a program in place. */
	if (attach(cgfd, prog, -1, err) < 0)
		return -1;
	for (uint32_t i = 0; i < nids; i++) {
		cleanup_close int old = prog_fd_by_id(ids[i]);
		if (old < 0) {
			if (errno == ENOENT)
				continue;
			return ward_error_errno(err, "open device cgroup program %u", ids[i]);
		}
		if (detach(cgfd, old, err) < 0)
			return -1;
	}
	return 0;
}
