/* Checkpoint and restore with criu (runc's `checkpoint` and `restore`):
 * what ward set up is described to criu so that the image restores into a
 * container like the one it came from (checkpoint.c), and a restore builds
 * a fresh container around criu's restored process tree (restore.c). */
#ifndef WARD_CHECKPOINT_H
#define WARD_CHECKPOINT_H

#include <stdbool.h>
#include <sys/types.h>

#include "container.h"
#include "error.h"
#include "rpc.pb-c.h"

/* The file runc writes into the image: the targets of init's fds 0-2
 * ("pipe:[123]", "/dev/null", ...), so that a restore can hand over the
 * caller's pipes in their place. */
#define CR_DESCRIPTORS "descriptors.json"
/* ward's own: "lo up" or "lo down", the container's own network namespace
 * as it was (criu treats it as external; restore makes a fresh one). */
#define CR_NETNS_FILE "ward-netns"

struct cr_opts {
	const char *criu;        /* --criu */
	char *image_path;        /* absolute; default ./checkpoint */
	char *work_path;         /* absolute, or NULL: criu's files go to the image dir */
	const char *parent_path; /* pre-dump image, relative to the image dir as criu takes it */
	bool leave_running;
	bool tcp_established;
	bool tcp_skip_in_flight;
	bool link_remap;
	bool ext_unix_sk;
	bool shell_job;
	bool file_locks;
	bool pre_dump;
	bool auto_dedup;
	bool lazy_pages;
	int status_fd;           /* --status-fd, -1 when not given */
	const char *page_server; /* "ADDRESS:PORT" */
	CriuCgMode cg_mode;
	unsigned empty_ns;       /* CLONE_NEW* flags of --empty-ns */
};

/* --manage-cgroups-mode: soft, full, strict, ignore ("" is criu's default). */
int cr_parse_cg_mode(const char *s, CriuCgMode *out, struct ward_error *err);
/* --empty-ns values: "network" (the only one criu can leave empty). */
int cr_parse_empty_ns(char **names, unsigned *out, struct ward_error *err);
/* ./checkpoint, or the path made absolute. malloc'd; NULL on ENOMEM. */
char *cr_abs_path(const char *path, const char *dflt);
/* The options both directions send to criu (log, images, work dir, flags).
 * Opens the image and work directories (fds in *image_fd and *work_fd, which
 * criu reads through /proc/<ward>/fd) and sets *log_path. */
int cr_base_opts(const struct cr_opts *o, CriuOpts *rpc, bool create_image, const char *log_name,
		 int *image_fd, int *work_fd, char **log_path, struct ward_error *err);

/* criu runs and is recent enough (a clear error when it is missing). */
int cr_check_criu(const char *criu, struct ward_error *err);

/* What criu cannot bring back faithfully (Landlock, a seccomp agent, user
 * namespaces, joined cgroup or mount namespaces, v1 cgroup binds): a clear
 * error before anything is dumped or restored. */
int cr_check_spec(const struct spec *s, struct ward_error *err);
/* A bind mount (type bind/rbind or a bind option): external to criu. */
bool cr_mount_is_bind(const struct spec_mount *m);

/* `ward checkpoint`: dump (or pre-dump) a running container. Without
 * --leave-running or --pre-dump the container is deleted afterwards, as
 * runc does. */
int container_checkpoint(const char *state_root, const char *id, const struct cr_opts *o,
			 struct ward_error *err);

/* `ward restore`: a new container `c` (id, bundle, state root, options set
 * as for create) running the image's process tree. In the foreground
 * (!detach) it waits for init like `run` and returns its exit code in
 * *exit_code, deleting the container unless `keep`. */
int container_restore(struct container *c, const struct cr_opts *o, bool detach, bool keep,
		      int *exit_code, struct ward_error *err);

#endif
