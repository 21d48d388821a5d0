/* The state directory <root>/<id>/: ids, creation and locking, ward's own
 * state.json, the live status of a container and the runc-shaped state
 * JSON printed by `state` and `list` and fed to hooks. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cgroup.h"
#include "cleanup.h"
#include "jsonw.h"
#include "state.h"

#define STATE_FILE "state.json"
#define STATE_FILE_MAX (4 << 20)

const char *container_status_name(enum container_status s)
{
	switch (s) {
	case STATUS_CREATING:
		return "creating";
	case STATUS_CREATED:
		return "created";
	case STATUS_RUNNING:
		return "running";
	case STATUS_PAUSED:
		return "paused";
	case STATUS_STOPPED:
		break;
	}
	return "stopped";
}

/* An error with an errno for callers to test, but runc's exact text. */
static int set_plain(struct ward_error *err, int errnum, const char *msg)
{
	ward_error_set(err, 0, "%s", msg);
	if (err)
		err->errnum = errnum;
	return -1;
}

static bool id_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '+' || c == '.' || c == '-');
}

int state_validate_id(const char *id, struct ward_error *err)
{
	size_t len = id ? strlen(id) : 0;

	/* The first character must be alphanumeric, which also rules out "."
	 * and ".."; no '/' anywhere keeps <root>/<id> one level deep. */
	if (len == 0)
		return set_plain(err, EINVAL, "invalid container ID format");
	if (len > STATE_ID_MAX)
		return ward_error_set(err, ENAMETOOLONG,
				      "invalid container ID format: longer than %d characters",
				      STATE_ID_MAX);
	for (size_t i = 0; i < len; i++)
		if (!id_char(id[i], i == 0))
			return set_plain(err, EINVAL, "invalid container ID format");
	return 0;
}

static int mkdir_p(const char *path, mode_t mode, struct ward_error *err)
{
	cleanup_free char *copy = strdup(path);

	if (!copy)
		return ward_error_set(err, ENOMEM, "mkdir %s", path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return ward_error_errno(err, "mkdir %s", copy);
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return ward_error_errno(err, "mkdir %s", copy);
	return 0;
}

int state_dir_create(const char *root, const char *id, struct ward_error *err)
{
	if (state_validate_id(id, err) < 0)
		return -1;
	if (mkdir_p(root, 0700, err) < 0)
		return ward_error_wrap(err, "create state root");
	cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return ward_error_errno(err, "open %s", root);
	if (mkdirat(rootfd, id, 0700) < 0) {
		if (errno == EEXIST) {
			ward_error_set(err, 0, "container with id exists: %s", id);
			err->errnum = EEXIST;
			return -1;
		}
		return ward_error_errno(err, "mkdir %s/%s", root, id);
	}
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ward_error_errno(err, "open %s/%s", root, id);
	return fd;
}

int state_dir_open(const char *root, const char *id, struct ward_error *err)
{
	if (state_validate_id(id, err) < 0)
		return -1;
	cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 && errno != ENOENT)
		return ward_error_errno(err, "open %s", root);
	int fd = rootfd < 0 ? -1 : openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return set_plain(err, ENOENT, "container does not exist");
		return ward_error_errno(err, "open %s/%s", root, id);
	}
	return fd;
}

int state_lock(int dirfd, struct ward_error *err)
{
	int fd = openat(dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return ward_error_errno(err, "open state lock");
	while (flock(fd, LOCK_EX) < 0) {
		if (errno == EINTR)
			continue;
		ward_error_errno(err, "lock state");
		close(fd);
		return -1;
	}
	return fd;
}

int state_dir_open_locked(const char *root, const char *id, int *lockfd, struct ward_error *err)
{
	int dirfd = state_dir_open(root, id, err);

	if (dirfd < 0)
		return -1;
	*lockfd = state_lock(dirfd, err);
	if (*lockfd < 0) {
		close(dirfd);
		return -1;
	}
	return dirfd;
}

int state_write_file(int dirfd, const char *name, const void *data, size_t len,
		     struct ward_error *err)
{
	char tmp[256];

	snprintf(tmp, sizeof(tmp), ".%s.%d.tmp", name, (int)getpid());
	unlinkat(dirfd, tmp, 0);
	cleanup_close int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				      0600);
	if (fd < 0)
		return ward_error_errno(err, "create %s", tmp);
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ward_error_errno(err, "write %s", name);
			unlinkat(dirfd, tmp, 0);
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	/* No fsync: the state root lives on tmpfs and does not survive a
	 * reboot anyway; a rename gives readers all or nothing. An existing
	 * file is swapped out rather than renamed over: on ext4, a rename
	 * over a file forces the new one's blocks to be allocated at once
	 * (auto_da_alloc), and the next replacement or the delete then frees
	 * them, a synchronous discard on a disk mounted with -o discard. A
	 * swapped-out file never written back frees nothing. */
	if (renameat2(dirfd, tmp, dirfd, name, RENAME_EXCHANGE) == 0) {
		unlinkat(dirfd, tmp, 0);
		return 0;
	}
	if (errno != ENOENT && errno != EINVAL) {
		ward_error_errno(err, "rename %s", name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		ward_error_errno(err, "rename %s", name);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	return 0;
}

char *state_read_file(int dirfd, const char *name, size_t *len, struct ward_error *err)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		ward_error_errno(err, "open %s", name);
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		ward_error_errno(err, "stat %s", name);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > STATE_FILE_MAX) {
		ward_error_set(err, EINVAL, "%s: not a regular file of sane size", name);
		return NULL;
	}
	cleanup_free char *buf = malloc((size_t)st.st_size + 1);
	size_t off = 0;
	if (!buf) {
		ward_error_set(err, ENOMEM, "read %s", name);
		return NULL;
	}
	while (off < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ward_error_errno(err, "read %s", name);
			return NULL;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	if (len)
		*len = off;
	return steal_ptr(buf);
}

/* ---- state.json (ward's own format, written with yajl) ---- */

static void gen_str(yajl_gen g, const char *s)
{
	if (s)
		yajl_gen_string(g, (const unsigned char *)s, strlen(s));
	else
		yajl_gen_null(g);
}

static void gen_kv(yajl_gen g, const char *k, const char *v)
{
	gen_str(g, k);
	gen_str(g, v);
}

int state_write(int dirfd, const struct ward_state *st, struct ward_error *err)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	int ret;

	if (!g)
		return ward_error_set(err, ENOMEM, "state.json");
	yajl_gen_map_open(g);
	gen_kv(g, "id", st->id);
	gen_str(g, "pid");
	yajl_gen_integer(g, st->pid);
	gen_str(g, "pid_start");
	yajl_gen_integer(g, (long long)st->pid_start);
	gen_kv(g, "bundle", st->bundle);
	gen_kv(g, "rootfs", st->rootfs);
	gen_kv(g, "created", st->created);
	gen_kv(g, "owner", st->owner ? st->owner : "");
	gen_kv(g, "cgroup_path", st->cgroup ? st->cgroup->path : NULL);
	gen_str(g, "cgroup_dirs");
	yajl_gen_array_open(g);
	for (size_t i = 0; st->cgroup && i < st->cgroup->n; i++) {
		yajl_gen_map_open(g);
		gen_kv(g, "mount", st->cgroup->dirs[i].mnt);
		gen_kv(g, "path", st->cgroup->dirs[i].path);
		gen_str(g, "created");
		yajl_gen_bool(g, st->cgroup->dirs[i].created);
		yajl_gen_map_close(g);
	}
	yajl_gen_array_close(g);
	gen_str(g, "creating");
	yajl_gen_bool(g, st->creating);
	gen_str(g, "systemd_cgroup");
	yajl_gen_bool(g, st->systemd_cgroup);
	gen_str(g, "annotations");
	yajl_gen_map_open(g);
	for (size_t i = 0; i < st->annotations.len; i++)
		gen_kv(g, st->annotations.items[i].key, st->annotations.items[i].value);
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok) {
		yajl_gen_free(g);
		return ward_error_set(err, EINVAL, "state.json: generating JSON failed");
	}
	ret = state_write_file(dirfd, STATE_FILE, buf, len, err);
	yajl_gen_free(g);
	return ret;
}

static char *tree_strdup(yajl_val root, const char *key, bool required, struct ward_error *err,
			 int *failed)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_any);

	if (!v || YAJL_IS_NULL(v)) {
		if (required) {
			ward_error_set(err, EINVAL, "state.json: missing \"%s\"", key);
			*failed = 1;
		}
		return NULL;
	}
	if (!YAJL_IS_STRING(v)) {
		ward_error_set(err, EINVAL, "state.json: \"%s\" is not a string", key);
		*failed = 1;
		return NULL;
	}
	char *s = strdup(v->u.string);
	if (!s) {
		ward_error_set(err, ENOMEM, "state.json");
		*failed = 1;
	}
	return s;
}

static long long tree_int(yajl_val root, const char *key, int *failed, struct ward_error *err)
{
	const char *path[] = { key, NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_number);

	if (!v || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 0) {
		ward_error_set(err, EINVAL, "state.json: \"%s\" is not a non-negative integer", key);
		*failed = 1;
		return 0;
	}
	return YAJL_GET_INTEGER(v);
}

static int read_annotations(yajl_val root, struct spec_map *m, struct ward_error *err)
{
	const char *path[] = { "annotations", NULL };
	yajl_val v = yajl_tree_get(root, path, yajl_t_any);

	if (!v || YAJL_IS_NULL(v))
		return 0;
	if (!YAJL_IS_OBJECT(v))
		return ward_error_set(err, EINVAL, "state.json: \"annotations\" is not an object");
	size_t n = YAJL_GET_OBJECT(v)->len;
	if (n == 0)
		return 0;
	m->items = calloc(n, sizeof(*m->items));
	if (!m->items)
		return ward_error_set(err, ENOMEM, "state.json");
	for (size_t i = 0; i < n; i++) {
		yajl_val val = YAJL_GET_OBJECT(v)->values[i];
		if (!YAJL_IS_STRING(val))
			return ward_error_set(err, EINVAL, "state.json: annotation is not a string");
		m->items[i].key = strdup(YAJL_GET_OBJECT(v)->keys[i]);
		m->items[i].value = strdup(val->u.string);
		m->len = i + 1;
		if (!m->items[i].key || !m->items[i].value)
			return ward_error_set(err, ENOMEM, "state.json");
	}
	return 0;
}

/* "cgroup_dirs": the directory in each hierarchy and whether ward made
 * it. A state without it (an older ward) had one path everywhere, made by
 * ward. */
static int read_cgroup(yajl_val root, struct cgroup_loc **out, struct ward_error *err)
{
	const char *ppath[] = { "cgroup_path", NULL };
	const char *dpath[] = { "cgroup_dirs", NULL };
	yajl_val p = yajl_tree_get(root, ppath, yajl_t_any);
	yajl_val d = yajl_tree_get(root, dpath, yajl_t_any);

	*out = NULL;
	if (!p || YAJL_IS_NULL(p))
		return 0;
	if (!YAJL_IS_STRING(p))
		return ward_error_set(err, EINVAL, "state.json: \"cgroup_path\" is not a string");
	if (!d || !YAJL_IS_ARRAY(d)) {
		*out = cgroup_loc_uniform(p->u.string, true);
		return *out ? 0 : ward_error_set(err, ENOMEM, "state.json");
	}
	struct cgroup_loc *cg = calloc(1, sizeof(*cg));
	size_t n = YAJL_GET_ARRAY(d)->len;
	if (!cg || !(cg->dirs = calloc(n + 1, sizeof(*cg->dirs))) ||
	    !(cg->path = strdup(p->u.string))) {
		cgroup_loc_free(cg);
		return ward_error_set(err, ENOMEM, "state.json");
	}
	*out = cg;
	for (size_t i = 0; i < n; i++) {
		yajl_val e = YAJL_GET_ARRAY(d)->values[i];
		const char *mk[] = { "mount", NULL }, *pk[] = { "path", NULL }, *ck[] = { "created", NULL };
		yajl_val m = yajl_tree_get(e, mk, yajl_t_string);
		yajl_val q = yajl_tree_get(e, pk, yajl_t_string);
		if (!m || !q || q->u.string[0] != '/')
			return ward_error_set(err, EINVAL, "state.json: bad \"cgroup_dirs\" entry");
		cg->dirs[i].mnt = strdup(m->u.string);
		cg->dirs[i].path = strdup(q->u.string);
		cg->dirs[i].created = YAJL_IS_TRUE(yajl_tree_get(e, ck, yajl_t_any));
		cg->n = i + 1;
		if (!cg->dirs[i].mnt || !cg->dirs[i].path)
			return ward_error_set(err, ENOMEM, "state.json");
	}
	return 0;
}

int state_read(int dirfd, struct ward_state *st, struct ward_error *err)
{
	char ebuf[256];
	int failed = 0;

	memset(st, 0, sizeof(*st));
	cleanup_free char *data = state_read_file(dirfd, STATE_FILE, NULL, err);
	if (!data)
		return -1;
	yajl_val root = yajl_tree_parse(data, ebuf, sizeof(ebuf));
	if (!root || !YAJL_IS_OBJECT(root)) {
		if (root)
			yajl_tree_free(root);
		return ward_error_set(err, EINVAL, "state.json: %s", root ? "not an object" : ebuf);
	}
	st->id = tree_strdup(root, "id", true, err, &failed);
	if (!failed)
		st->pid = (pid_t)tree_int(root, "pid", &failed, err);
	if (!failed)
		st->pid_start = (unsigned long long)tree_int(root, "pid_start", &failed, err);
	if (!failed)
		st->bundle = tree_strdup(root, "bundle", true, err, &failed);
	if (!failed)
		st->rootfs = tree_strdup(root, "rootfs", false, err, &failed);
	if (!failed)
		st->created = tree_strdup(root, "created", false, err, &failed);
	if (!failed)
		st->owner = tree_strdup(root, "owner", false, err, &failed);
	if (!failed && read_cgroup(root, &st->cgroup, err) < 0)
		failed = 1;
	if (!failed) {
		const char *path[] = { "systemd_cgroup", NULL };
		const char *cpath[] = { "creating", NULL };
		st->systemd_cgroup = YAJL_IS_TRUE(yajl_tree_get(root, path, yajl_t_any));
		st->creating = YAJL_IS_TRUE(yajl_tree_get(root, cpath, yajl_t_any));
		if (read_annotations(root, &st->annotations, err) < 0)
			failed = 1;
	}
	yajl_tree_free(root);
	if (failed) {
		state_clear(st);
		return -1;
	}
	return 0;
}

void state_clear(struct ward_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	cgroup_loc_free(st->cgroup);
	for (size_t i = 0; i < st->annotations.len; i++) {
		free(st->annotations.items[i].key);
		free(st->annotations.items[i].value);
	}
	free(st->annotations.items);
	memset(st, 0, sizeof(*st));
}

/* ---- status ---- */

enum container_status state_status(int dirfd, const struct ward_state *st)
{
	/* A create that has not finished, or was killed: `delete --force`
	 * finishes it. */
	if (st->creating)
		return STATUS_CREATING;
	if (st->pid <= 0 || !proc_alive(st->pid, st->pid_start))
		return STATUS_STOPPED;
	/* exec.fifo exists from create until start has opened it. */
	if (faccessat(dirfd, "exec.fifo", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return STATUS_CREATED;
	if (st->cgroup && cgroup_is_frozen(st->cgroup))
		return STATUS_PAUSED;
	return STATUS_RUNNING;
}

char *state_oci_json(const struct ward_state *st, enum container_status status, bool runc_fields,
		     bool pretty)
{
	struct jsonw w;
	/* runc reports pid 0 for a stopped container: the old pid may belong
	 * to someone else by now. */
	long long pid = status == STATUS_STOPPED ? 0 : st->pid;

	jsonw_init(&w, pretty ? "  " : NULL);
	jsonw_obj_open(&w);
	jsonw_kv_str(&w, "ociVersion", WARD_OCI_VERSION);
	jsonw_kv_str(&w, "id", st->id);
	if (runc_fields) {
		/* runc's containerState: pid before status, and extra fields. */
		jsonw_kv_int(&w, "pid", pid);
		jsonw_kv_str(&w, "status", container_status_name(status));
		jsonw_kv_str(&w, "bundle", st->bundle);
		jsonw_kv_str(&w, "rootfs", st->rootfs ? st->rootfs : "");
		jsonw_kv_str(&w, "created", st->created ? st->created : "");
	} else {
		/* runtime-spec State: pid only while there is one (omitempty). */
		jsonw_kv_str(&w, "status", container_status_name(status));
		if (pid > 0)
			jsonw_kv_int(&w, "pid", pid);
		jsonw_kv_str(&w, "bundle", st->bundle);
	}
	if (st->annotations.len > 0) {
		jsonw_key(&w, "annotations");
		jsonw_obj_open(&w);
		for (size_t i = 0; i < st->annotations.len; i++)
			jsonw_kv_str(&w, st->annotations.items[i].key, st->annotations.items[i].value);
		jsonw_obj_close(&w);
	}
	if (runc_fields)
		jsonw_kv_str(&w, "owner", st->owner ? st->owner : "");
	jsonw_obj_close(&w);
	return jsonw_finish(&w, NULL);
}

/* ---- removal and listing ---- */

/* Remove `name` below dirfd without following symlinks. */
static int remove_at(int parent, const char *name, int depth, struct ward_error *err)
{
	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return ward_error_errno(err, "remove %s", name);
	if (depth > 16)
		return ward_error_set(err, ELOOP, "remove %s", name);
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ward_error_errno(err, "open %s", name);
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return ward_error_errno(err, "open %s", name);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (remove_at(dirfd(d), de->d_name, depth + 1, err) < 0)
			return -1;
	}
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return ward_error_errno(err, "remove %s", name);
	return 0;
}

int state_remove(const char *root, const char *id, struct ward_error *err)
{
	if (state_validate_id(id, err) < 0)
		return -1;
	cleanup_close int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		if (errno == ENOENT)
			return 0;
		return ward_error_errno(err, "open %s", root);
	}
	if (remove_at(rootfd, id, 0, err) < 0)
		return ward_error_wrap(err, "remove state of %s", id);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **state_list_ids(const char *root, struct ward_error *err)
{
	cleanup_strv char **ids = calloc(1, sizeof(char *));
	size_t n = 0;

	if (!ids) {
		ward_error_set(err, ENOMEM, "list %s", root);
		return NULL;
	}
	cleanup_dir DIR *d = opendir(root);
	if (!d) {
		if (errno == ENOENT)
			return steal_ptr(ids); /* no root yet: no containers */
		ward_error_errno(err, "open %s", root);
		return NULL;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat sb;
		if (state_validate_id(de->d_name, NULL) < 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(sb.st_mode))
			continue;
		char **v = realloc(ids, (n + 2) * sizeof(char *));
		if (!v) {
			ward_error_set(err, ENOMEM, "list %s", root);
			return NULL;
		}
		ids = v;
		ids[n] = strdup(de->d_name);
		ids[n + 1] = NULL;
		if (!ids[n]) {
			ward_error_set(err, ENOMEM, "list %s", root);
			return NULL;
		}
		n++;
	}
	qsort(ids, n, sizeof(char *), cmp_str);
	return steal_ptr(ids);
}

char *state_timestamp_now(void)
{
	struct timespec ts;
	struct tm tm;
	char date[32], frac[16] = "";
	char *out;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	/* Not strftime: it loads the time zone database for a UTC date. */
	snprintf(date, sizeof(date), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (ts.tv_nsec) {
		/* RFC3339Nano: nine digits with the trailing zeros removed. */
		snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
		size_t l = strlen(frac);
		while (frac[l - 1] == '0')
			frac[--l] = '\0';
	}
	if (asprintf(&out, "%s%sZ", date, frac) < 0)
		return NULL;
	return out;
}
