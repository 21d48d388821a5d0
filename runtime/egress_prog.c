/* The egress filter as BPF_PROG_TYPE_CGROUP_SOCK_ADDR instructions, built
 * from the allowlist without a compiler, and loaded with bpf(2).
 *
 * The program sees struct bpf_sock_addr: user_family, user_ip4 or
 * user_ip6[4] (network byte order; a program may only read the one of its
 * attach type's family), user_port (network byte order in the low 16
 * bits), type and protocol. Addresses are compared as loaded, in network
 * byte order: masking is bytewise, so the mask and the prefix are laid out
 * the same way in memory and read back as host integers.
 *
 * Layout (AF_INET6; the AF_INET program is the IPv4 part alone):
 *     load the address words, the port (to host order), the protocol
 *     not ::ffff:0:0/96 -> V6
 *     r2 = the embedded IPv4 address
 *     IPv4: 127.0.0.0/8 -> ALLOW; each IPv4 entry -> ALLOW; -> DENY
 *  V6: ::1 -> ALLOW; each IPv6 entry -> ALLOW
 *  DENY: r0 = 0; exit
 *  ALLOW: r0 = 1; exit */
#include "config.h"

#include <errno.h>
#include <linux/bpf.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "egress.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_W | BPF_MEM, d, s, o, 0)
#define MOV32_REG(d, s) INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define AND32_IMM(d, i) INSN(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, i)
#define BE16(d) INSN(BPF_ALU | BPF_END | BPF_TO_BE, d, 0, 0, 16)
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define JMP32_IMM(op, d, i) INSN(BPF_JMP32 | (op) | BPF_K, d, 0, 0, i)
#define JA() INSN(BPF_JMP | BPF_JA, 0, 0, 0, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* r1 context; r2, r7, r8, r9 the address (r2 alone for IPv4); r3 port;
 * r4 protocol; r5 scratch. */
enum { R0, R1, R2, R3, R4, R5, R6, R7, R8, R9 };

enum label { L_NONE, L_ALLOW, L_DENY, L_V6, L_NEXT };

struct prog {
	struct bpf_insn *p;
	enum label *to; /* per instruction: the label its jump goes to */
	size_t len, cap;
	size_t next_from; /* first instruction of the current entry */
};

static void emit(struct prog *g, struct bpf_insn i, enum label to)
{
	/* cap is computed from the entry count; never exceeded. */
	g->to[g->len] = to;
	g->p[g->len++] = i;
}

/* The 32-bit word of an address in memory order, read as the context
 * presents it. */
static int32_t word(const uint8_t *b)
{
	uint32_t w;

	memcpy(&w, b, 4);
	return (int32_t)w;
}

/* Bits [32 * i, 32 * i + 32) of a prefix of `prefix` bits, as a mask in
 * the same layout. */
static int32_t mask_word(unsigned prefix, unsigned i)
{
	uint8_t m[4] = { 0 };

	for (unsigned b = 0; b < 32; b++)
		if (32 * i + b < prefix)
			m[b / 8] |= (uint8_t)(0x80u >> (b % 8));
	return word(m);
}

/* Jump to `miss` unless the address word in `reg` matches word i of the
 * prefix. */
static void match_word(struct prog *g, int reg, const uint8_t *addr, unsigned prefix, unsigned i,
		       enum label miss)
{
	if (prefix <= 32 * i)
		return; /* no bit of this word is in the prefix */
	if (prefix >= 32 * (i + 1)) {
		emit(g, JMP32_IMM(BPF_JNE, reg, word(addr + 4 * i)), miss);
		return;
	}
	emit(g, MOV32_REG(R5, reg), L_NONE);
	emit(g, AND32_IMM(R5, mask_word(prefix, i)), L_NONE);
	emit(g, JMP32_IMM(BPF_JNE, R5, word(addr + 4 * i) & mask_word(prefix, i)), miss);
}

/* One allowlist entry: protocol, ports, address; on a match, ALLOW. */
static void entry(struct prog *g, const struct policy_net *e)
{
	static const int regs[4] = { R2, R7, R8, R9 };
	unsigned words = e->family == AF_INET ? 1 : 4;

	g->next_from = g->len;
	if (e->proto != POLICY_PROTO_ANY)
		emit(g, JMP32_IMM(BPF_JNE, R4, e->proto == POLICY_PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP),
		     L_NEXT);
	if (e->port_lo != 0)
		emit(g, JMP32_IMM(BPF_JLT, R3, e->port_lo), L_NEXT);
	if (e->port_hi != 65535)
		emit(g, JMP32_IMM(BPF_JGT, R3, e->port_hi), L_NEXT);
	for (unsigned i = 0; i < words; i++)
		match_word(g, regs[i], e->addr, e->prefix, i, L_NEXT);
	emit(g, JA(), L_ALLOW);
	/* The entry's misses go to the instruction after it. */
	for (size_t k = g->next_from; k < g->len; k++)
		if (g->to[k] == L_NEXT) {
			g->p[k].off = (int16_t)(g->len - k - 1);
			g->to[k] = L_NONE;
		}
}

static void ipv4_part(struct prog *g, const struct policy_net *allow, size_t n)
{
	static const uint8_t lo[4] = { 127, 0, 0, 0 };

	g->next_from = g->len;
	match_word(g, R2, lo, 8, 0, L_NEXT);
	emit(g, JA(), L_ALLOW);
	for (size_t k = g->next_from; k < g->len; k++)
		if (g->to[k] == L_NEXT) {
			g->p[k].off = (int16_t)(g->len - k - 1);
			g->to[k] = L_NONE;
		}
	for (size_t i = 0; i < n; i++)
		if (allow[i].family == AF_INET)
			entry(g, &allow[i]);
}

struct bpf_insn *egress_program(const struct policy_net *allow, size_t n, int family,
				size_t *len, struct ward_error *err)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t lo6[16] = { [15] = 1 };
	struct prog g = { 0 };
	size_t at_v6 = 0, at_deny, at_allow;

	if (n > EGRESS_MAX_RULES) {
		ward_error_set(err, E2BIG, "egress allowlist: %zu entries, at most %d", n,
			       EGRESS_MAX_RULES);
		return NULL;
	}
	/* An entry is at most 3 + 3 * 4 + 1 instructions; the fixed part 30. */
	g.cap = 30 + 16 * n;
	g.p = calloc(g.cap, sizeof(*g.p));
	g.to = calloc(g.cap, sizeof(*g.to));
	if (!g.p || !g.to) {
		free(g.p);
		free(g.to);
		ward_error_set(err, ENOMEM, "egress program");
		return NULL;
	}
	if (family == AF_INET) {
		emit(&g, LDX_W(R2, R1, offsetof(struct bpf_sock_addr, user_ip4)), L_NONE);
	} else {
		emit(&g, LDX_W(R2, R1, offsetof(struct bpf_sock_addr, user_ip6[0])), L_NONE);
		emit(&g, LDX_W(R7, R1, offsetof(struct bpf_sock_addr, user_ip6[1])), L_NONE);
		emit(&g, LDX_W(R8, R1, offsetof(struct bpf_sock_addr, user_ip6[2])), L_NONE);
		emit(&g, LDX_W(R9, R1, offsetof(struct bpf_sock_addr, user_ip6[3])), L_NONE);
	}
	emit(&g, LDX_W(R3, R1, offsetof(struct bpf_sock_addr, user_port)), L_NONE);
	emit(&g, BE16(R3), L_NONE);
	emit(&g, LDX_W(R4, R1, offsetof(struct bpf_sock_addr, protocol)), L_NONE);
	if (family == AF_INET6) {
		/* ::ffff:a.b.c.d reaches an IPv4 peer: judge it as IPv4. */
		emit(&g, JMP32_IMM(BPF_JNE, R2, 0), L_V6);
		emit(&g, JMP32_IMM(BPF_JNE, R7, 0), L_V6);
		emit(&g, JMP32_IMM(BPF_JNE, R8, word(mapped + 8)), L_V6);
		emit(&g, MOV32_REG(R2, R9), L_NONE);
	}
	ipv4_part(&g, allow, n);
	if (family == AF_INET6) {
		emit(&g, JA(), L_DENY);
		at_v6 = g.len;
		struct policy_net one = { .family = AF_INET6, .prefix = 128, .port_hi = 65535 };
		memcpy(one.addr, lo6, 16);
		entry(&g, &one);
		for (size_t i = 0; i < n; i++)
			if (allow[i].family == AF_INET6)
				entry(&g, &allow[i]);
	}
	at_deny = g.len;
	emit(&g, MOV64_IMM(R0, 0), L_NONE);
	emit(&g, EXIT(), L_NONE);
	at_allow = g.len;
	emit(&g, MOV64_IMM(R0, 1), L_NONE);
	emit(&g, EXIT(), L_NONE);
	for (size_t k = 0; k < g.len; k++) {
		size_t target = g.to[k] == L_ALLOW ? at_allow : g.to[k] == L_DENY ? at_deny
			      : g.to[k] == L_V6	   ? at_v6
						   : 0;
		if (g.to[k] != L_NONE)
			g.p[k].off = (int16_t)(target - k - 1);
	}
	free(g.to);
	*len = g.len;
	return g.p;
}

int egress_prog_load(const struct bpf_insn *insns, size_t n, unsigned attach,
		     struct ward_error *err)
{
	static char log[4096];
	union bpf_attr a;
	int fd, saved;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	a.expected_attach_type = attach;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uintptr_t) "Apache-2.0";
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (fd >= 0)
		return fd;
	saved = errno;
	if (saved == EPERM || saved == ENOSYS)
		return ward_error_set(err, saved, "load the egress program");
	/* Again with the verifier's log, for a useful message. */
	log[0] = '\0';
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (fd >= 0)
		return fd;
	log[strcspn(log, "\n")] = '\0';
	return ward_error_set(err, saved, "load the egress program (verifier: %s)", log);
}
