/* A unique host uid/gid range per pod: the userNamespace rule gives every
 * container without a user namespace one, mapping container ids 0-65535 to
 * the pod's own range from the policy's idPool. All containers of a pod
 * (same io.kubernetes.cri.sandbox-id) share the range; outside Kubernetes
 * each container is its own pod.
 *
 * The table lives on disk (<stateDir>/idranges, one line per container:
 * "index pod id state-root time"), rewritten atomically under an flock on
 * <stateDir>/idranges.lock, so concurrent creates never hand out the same
 * range and a crash never loses one. A range is free again when the last
 * container of its pod is deleted (or fails to be created). A line whose
 * container never got a state directory (ward killed mid-create) is
 * dropped once it is older than a create can take. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "container.h"
#include "log.h"
#include "policy_eval.h"
#include "state.h"

#define TABLE "idranges"
#define STALE_SECS 300

struct range_entry {
	unsigned index;
	char pod[256], id[256], root[1024];
	long long time;
};

struct range_table {
	struct range_entry *e;
	size_t n;
};

static int lock_table(const char *dir, struct ward_error *err)
{
	cleanup_free char *path = NULL;
	int fd;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return ward_error_errno(err, "id ranges: mkdir %s", dir);
	if (asprintf(&path, "%s/%s.lock", dir, TABLE) < 0)
		return ward_error_set(err, ENOMEM, "id ranges");
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ward_error_errno(err, "id ranges: open %s", path);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return ward_error_errno(err, "id ranges: lock %s", path);
		}
	return fd;
}

static int read_table(const char *dir, struct range_table *t, struct ward_error *err)
{
	cleanup_free char *path = NULL;
	char line[1700];
	FILE *f;

	t->e = NULL;
	t->n = 0;
	if (asprintf(&path, "%s/%s", dir, TABLE) < 0)
		return ward_error_set(err, ENOMEM, "id ranges");
	f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? 0 : ward_error_errno(err, "id ranges: open %s", path);
	while (fgets(line, sizeof(line), f)) {
		struct range_entry r;
		struct range_entry *ne;

		if (sscanf(line, "%u %255s %255s %1023s %lld", &r.index, r.pod, r.id, r.root, &r.time) != 5)
			continue; /* a torn line cannot happen (rename), but never trust it */
		ne = realloc(t->e, (t->n + 1) * sizeof(*ne));
		if (ne == NULL) {
			fclose(f);
			return ward_error_set(err, ENOMEM, "id ranges");
		}
		t->e = ne;
		t->e[t->n++] = r;
	}
	fclose(f);
	return 0;
}

static int write_table(const char *dir, const struct range_table *t, struct ward_error *err)
{
	cleanup_free char *path = NULL, *tmp = NULL;
	FILE *f;

	if (asprintf(&path, "%s/%s", dir, TABLE) < 0 || asprintf(&tmp, "%s/%s.tmp", dir, TABLE) < 0)
		return ward_error_set(err, ENOMEM, "id ranges");
	f = fopen(tmp, "we");
	if (f == NULL)
		return ward_error_errno(err, "id ranges: create %s", tmp);
	for (size_t i = 0; i < t->n; i++)
		fprintf(f, "%u %s %s %s %lld\n", t->e[i].index, t->e[i].pod, t->e[i].id, t->e[i].root,
			t->e[i].time);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0) {
		fclose(f);
		unlink(tmp);
		return ward_error_errno(err, "id ranges: write %s", tmp);
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return ward_error_errno(err, "id ranges: rename %s", tmp);
	}
	return 0;
}

static bool container_exists(const struct range_entry *r)
{
	char path[1400];

	snprintf(path, sizeof(path), "%s/%s", r->root, r->id);
	return access(path, F_OK) == 0;
}

/* A word of the table: no blanks, not empty, not too long. */
static bool table_word(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n < max && strpbrk(s, " \t\n\r") == NULL;
}

/* The host pid of a live container of `pod` other than `id`, or 0. */
static pid_t pod_member_pid(const struct range_table *t, const char *pod, const char *id)
{
	for (size_t i = 0; i < t->n; i++) {
		struct ward_state st = { 0 };
		struct ward_error e = { 0 };
		cleanup_close int dirfd = -1;
		pid_t pid = 0;

		if (strcmp(t->e[i].pod, pod) != 0 || strcmp(t->e[i].id, id) == 0)
			continue;
		dirfd = state_dir_open(t->e[i].root, t->e[i].id, &e);
		if (dirfd >= 0 && state_read(dirfd, &st, &e) == 0 && st.pid > 0 &&
		    proc_alive(st.pid, st.pid_start))
			pid = st.pid;
		state_clear(&st);
		if (pid)
			return pid;
	}
	return 0;
}

static int add_mapping(struct spec_id_mapping **m, size_t *n, uint32_t host)
{
	*m = calloc(1, sizeof(**m));
	if (*m == NULL)
		return -1;
	**m = (struct spec_id_mapping){ .container_id = 0, .host_id = host, .size = WARD_POLICY_RANGE_SIZE };
	*n = 1;
	return 0;
}

/* The user namespace: joined when another container of the pod runs (its
 * network and ipc namespaces belong to that user namespace, so a sibling
 * one could not join them), else a new one with the pod's range. */
static int give_userns(struct policy_eval *x, uint32_t host, pid_t member)
{
	struct spec_linux *l = x->spec->linux;
	struct spec_namespace *ns = realloc(l->namespaces, (l->n_namespaces + 1) * sizeof(*ns));
	char path[64];

	if (ns == NULL)
		return -1;
	l->namespaces = ns;
	ns[l->n_namespaces] = (struct spec_namespace){ .type = SPEC_NS_USER };
	if (member) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)member);
		if ((ns[l->n_namespaces].path = strdup(path)) == NULL)
			return -1;
		l->n_namespaces++;
		return 0;
	}
	l->n_namespaces++;
	if (add_mapping(&l->uid_mappings, &l->n_uid_mappings, host) < 0 ||
	    add_mapping(&l->gid_mappings, &l->n_gid_mappings, host) < 0)
		return -1;
	/* The image and the bind mounts keep their owners through id-mapped
	 * mounts (idmap.c): root's files stay root's inside. */
	return policy_set_annotation(x, WARD_IDMAP_ROOTFS_ANNOTATION, "true");
}

void policy_rule_userns(struct policy_eval *x)
{
	const struct policy_rule *r = policy_rule(x, RULE_USER_NAMESPACE);
	const char *dir = x->pol->id_pool.state_dir ? x->pol->id_pool.state_dir
						    : WARD_POLICY_DEFAULT_STATE_DIR;
	const char *pod = spec_annotation(x->spec, CRI_SANDBOX_ID);
	struct range_table t = { 0 };
	struct ward_error e = { 0 };
	cleanup_close int lock = -1;
	unsigned index = 0;
	bool found = false;
	uint32_t host;
	pid_t member;

	if (r->mode == POLICY_OFF || x->spec->linux == NULL ||
	    spec_find_namespace(x->spec, SPEC_NS_USER) != NULL)
		return;
	if (r->mode == POLICY_AUDIT) {
		policy_violation(x, RULE_USER_NAMESPACE, "linux.namespaces",
				 "no user namespace: container root is host root");
		return;
	}
	if (x->dry_run) {
		policy_filled(x, RULE_USER_NAMESPACE, "linux.namespaces",
			      "a user namespace with the pod's own id range");
		return;
	}
	if (pod == NULL || !table_word(pod, 256))
		pod = x->id;
	if (!table_word(x->id, 256) || !table_word(x->state_root, 1024)) {
		policy_violation(x, RULE_USER_NAMESPACE, "linux.namespaces", "id range: unusable id");
		return;
	}
	lock = lock_table(dir, &e);
	if (lock < 0 || read_table(dir, &t, &e) < 0)
		goto fail;
	/* Drop what a crashed create left behind. */
	for (size_t i = 0; i < t.n;) {
		if (!container_exists(&t.e[i]) && t.e[i].time + STALE_SECS < (long long)time(NULL))
			t.e[i] = t.e[--t.n];
		else
			i++;
	}
	for (size_t i = 0; i < t.n && !found; i++)
		if (strcmp(t.e[i].pod, pod) == 0) {
			index = t.e[i].index;
			found = true;
		}
	for (unsigned k = 0; !found && k < x->pol->id_pool.ranges; k++) {
		bool used = false;
		for (size_t i = 0; i < t.n && !used; i++)
			used = t.e[i].index == k;
		if (!used) {
			index = k;
			found = true;
		}
	}
	if (!found) {
		ward_error_set(&e, 0, "no free id range in the pool (%" PRIu64 " ranges)",
			       x->pol->id_pool.ranges);
		goto fail;
	}
	member = pod_member_pid(&t, pod, x->id);
	struct range_entry *ne = realloc(t.e, (t.n + 1) * sizeof(*ne));
	if (ne == NULL) {
		ward_error_set(&e, ENOMEM, "id ranges");
		goto fail;
	}
	t.e = ne;
	t.e[t.n] = (struct range_entry){ .index = index, .time = (long long)time(NULL) };
	snprintf(t.e[t.n].pod, sizeof(t.e[t.n].pod), "%s", pod);
	snprintf(t.e[t.n].id, sizeof(t.e[t.n].id), "%s", x->id);
	snprintf(t.e[t.n].root, sizeof(t.e[t.n].root), "%s", x->state_root);
	t.n++;
	if (write_table(dir, &t, &e) < 0)
		goto fail;
	free(t.e);
	host = (uint32_t)(x->pol->id_pool.start + (uint64_t)index * WARD_POLICY_RANGE_SIZE);
	if (policy_set_annotation(x, WARD_ID_RANGE_ANNOTATION, dir) < 0 ||
	    give_userns(x, host, member) < 0) {
		policy_violation(x, RULE_USER_NAMESPACE, "linux.namespaces", "out of memory");
		return;
	}
	policy_filled(x, RULE_USER_NAMESPACE, "linux.uidMappings",
		      "%s ids 0-65535 as host %u-%u (range %u of pod %s)",
		      member ? "joined the pod's user namespace:" : "a user namespace:", host,
		      host + WARD_POLICY_RANGE_SIZE - 1, index, pod);
	return;
fail:
	free(t.e);
	policy_violation(x, RULE_USER_NAMESPACE, "linux.namespaces", "id range: %s", e.msg);
}

int policy_release_ids(const struct spec *s, const char *id, struct ward_error *err)
{
	const char *dir = s ? spec_annotation(s, WARD_ID_RANGE_ANNOTATION) : NULL;
	struct range_table t = { 0 };
	cleanup_close int lock = -1;
	cleanup_free char *lockpath = NULL;
	struct stat st;
	size_t before;
	int rc = 0;

	if (dir == NULL || dir[0] != '/')
		return 0;
	/* Only a table the allocation made. Create refuses the annotation in
	 * a requested spec (policy_reserved.c); should one get through all
	 * the same, it must not make ward create a directory or file wherever
	 * it points. */
	if (asprintf(&lockpath, "%s/%s.lock", dir, TABLE) < 0)
		return ward_error_set(err, ENOMEM, "id ranges");
	if (lstat(lockpath, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	lock = lock_table(dir, err);
	if (lock < 0 || read_table(dir, &t, err) < 0) {
		free(t.e);
		return -1;
	}
	before = t.n;
	for (size_t i = 0; i < t.n;) {
		if (strcmp(t.e[i].id, id) == 0)
			t.e[i] = t.e[--t.n];
		else
			i++;
	}
	if (t.n != before)
		rc = write_table(dir, &t, err);
	free(t.e);
	return rc;
}
