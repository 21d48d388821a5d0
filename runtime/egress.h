/* Egress filtering: outbound connections of a container are refused unless
 * their destination is on an allowlist. The kernel enforces it through
 * BPF_PROG_TYPE_CGROUP_SOCK_ADDR programs on the container's cgroup2
 * directory (connect4/6 for TCP and connected UDP, sendmsg4/6 for UDP
 * datagrams sent with an address), so nothing inside can route around it.
 *
 * The policy (policy_egress.c) decides the list and hands it to create in
 * the annotation below, as a JSON array of {"cidr","ports","protocol"}
 * objects; egress.c turns it into programs (egress_prog.c) and attaches
 * them before the container's first process runs. */
#ifndef WARD_EGRESS_H
#define WARD_EGRESS_H

#include <stddef.h>

#include "cgroup.h"
#include "error.h"
#include "policy.h"
#include "spec.h"

#define WARD_EGRESS_FILTER_ANNOTATION "run.ward.egress-filter"

/* At most this many allowlist entries: keeps every jump of the program
 * within the 16-bit offset of an instruction. */
#define EGRESS_MAX_RULES 1024

/* ---- egress_prog.c: the program ---- */
/* The program for one address family (AF_INET: connect4/sendmsg4;
 * AF_INET6: connect6/sendmsg6). It returns 1 (allow) for loopback
 * (127.0.0.0/8, ::1, and their IPv4-mapped forms) and for a destination
 * matching an entry of `allow` (address prefix, port range, protocol;
 * entries of the other family are skipped, except that an IPv4 entry also
 * matches its IPv4-mapped IPv6 form), 0 (EPERM) otherwise. malloc'd. */
struct bpf_insn;
struct bpf_insn *egress_program(const struct policy_net *allow, size_t n, int family,
				size_t *len, struct ward_error *err);
/* Load it for attach type `attach` (enum bpf_attach_type); a program fd. */
int egress_prog_load(const struct bpf_insn *insns, size_t n, unsigned attach,
		     struct ward_error *err);

/* ---- egress.c: attaching ---- */
/* Create: when the spec carries WARD_EGRESS_FILTER_ANNOTATION, load the
 * four programs and attach them to the container's cgroup2 directory.
 * Without a cgroup2 hierarchy (a pure v1 host) that is an error: a
 * container the policy confines never runs unconfined. They are detached
 * by the kernel when the cgroup is removed at delete. */
int egress_apply(const struct cgroup_loc *cg, const struct spec *s, struct ward_error *err);
/* Attach the programs for `allow` to the cgroup2 directory opened as
 * cgfd (egress_apply, and tests). */
int egress_attach(int cgfd, const struct policy_net *allow, size_t n, struct ward_error *err);

#endif
