/* Building criu_opts messages: the strings and sub-messages they point to
 * live in an arena freed in one go, the repeated fields grow one entry at
 * a time. Shared by checkpoint.c and restore.c. */
#ifndef WARD_CHECKPOINT_RPC_H
#define WARD_CHECKPOINT_RPC_H

#include <stddef.h>

#include "rpc.pb-c.h"
#include "spec.h"

struct cr_arena {
	void **ptrs;
	size_t n, cap;
};

/* Take ownership of p (freed by cr_arena_release); NULL when p is NULL or
 * on ENOMEM (p is freed then). */
void *cr_arena_add(struct cr_arena *a, void *p);
char *cr_arena_strdup(struct cr_arena *a, const char *s);
char *cr_arena_strndup(struct cr_arena *a, const char *s, size_t n);
void cr_arena_release(struct cr_arena *a);
/* The page server sub-message of rpc, made on first use. */
CriuPageServerInfo *cr_arena_ps(struct cr_arena *a, CriuOpts *rpc);

/* Append to a repeated field; -1 on ENOMEM. */
int cr_add_ext_mnt(CriuOpts *rpc, struct cr_arena *a, const char *key, const char *val);
int cr_add_external(CriuOpts *rpc, struct cr_arena *a, const char *entry);
int cr_add_inherit_fd(CriuOpts *rpc, struct cr_arena *a, const char *key, int fd);
int cr_add_join_ns(CriuOpts *rpc, struct cr_arena *a, const char *ns, const char *file);
int cr_add_cg_root(CriuOpts *rpc, struct cr_arena *a, const char *ctrl, const char *path);
/* Free the repeated fields' arrays (their elements are in the arena). */
void cr_rpc_opts_release(CriuOpts *rpc);

/* The device nodes ward makes in every container (devices.c). */
extern const char *const cr_default_devices[];
/* The key an external namespace is recorded under: "extRootNetNS". */
const char *cr_ns_key(enum spec_ns_type t);

#endif
