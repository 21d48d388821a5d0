/* cgroupfs driver, common part: find the mounted hierarchies, resolve the
 * container's path, create/join/list/destroy it in every hierarchy. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_priv.h"
#include "cleanup.h"

static struct {
	bool loaded;
	struct cg_hier *h;
	size_t n;
	enum cgroup_mode mode;
} cache;

/* ---- detection ---- */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* Controller names the kernel knows, from /proc/cgroups (read once). */
static bool known_controller(const char *name)
{
	static char names[4096];
	static bool loaded;
	size_t len = strlen(name);

	if (!loaded) {
		cleanup_file FILE *f = fopen("/proc/cgroups", "re");
		char line[256];
		size_t used = 0;
		loaded = true;
		while (f && fgets(line, sizeof(line), f)) {
			size_t n = strcspn(line, "\t ");
			if (line[0] == '#' || used + n + 2 >= sizeof(names))
				continue;
			memcpy(names + used, line, n);
			names[used + n] = '\n';
			used += n + 1;
		}
	}
	for (const char *p = names; *p; p = strchr(p, '\n') + 1)
		if (strncmp(p, name, len) == 0 && p[len] == '\n')
			return true;
	return false;
}

/* v1 super options: "rw,cpu,cpuacct" -> {"cpu","cpuacct"}. */
static char **v1_controllers(const char *superopts)
{
	cleanup_free char *copy = strdup(superopts);
	char **v = calloc(1, sizeof(char *));
	size_t n = 0;
	char *save = NULL;

	if (!copy || !v) {
		free(v);
		return NULL;
	}
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strncmp(tok, "name=", 5) != 0 && !known_controller(tok))
			continue;
		char **nv = realloc(v, (n + 2) * sizeof(char *));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(tok);
		v[n + 1] = NULL;
		if (v[n])
			n++;
	}
	return v;
}

static void add_hier(const char *mnt, const char *superopts, bool v2)
{
	struct cg_hier *h = realloc(cache.h, (cache.n + 1) * sizeof(*h));

	if (!h)
		return;
	cache.h = h;
	h[cache.n].mnt = strdup(mnt);
	h[cache.n].v2 = v2;
	h[cache.n].controllers = v2 ? NULL : v1_controllers(superopts);
	if (h[cache.n].mnt && (v2 || h[cache.n].controllers))
		cache.n++;
}

static void load(void)
{
	cleanup_file FILE *f = NULL;
	cleanup_free char *line = NULL;
	size_t cap = 0;
	/* One entry per hierarchy: the same superblock may be mounted twice. */
	char seen[64][32];
	size_t nseen = 0;
	bool v1 = false, v2 = false;

	if (cache.loaded)
		return;
	cache.loaded = true;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char devno[32], root[4096], mnt[4096];
		if (sscanf(line, "%*s %*s %31s %4095s %4095s", devno, root, mnt) != 3)
			continue;
		char *sep = strstr(line, " - ");
		if (!sep)
			continue;
		char fstype[32], source[4096], superopts[4096];
		if (sscanf(sep + 3, "%31s %4095s %4095s", fstype, source, superopts) != 3)
			continue;
		bool is_v2 = strcmp(fstype, "cgroup2") == 0;
		if (!is_v2 && strcmp(fstype, "cgroup") != 0)
			continue;
		/* A bind mount of a sub-tree would shift every path. */
		if (strcmp(root, "/") != 0)
			continue;
		bool dup = false;
		for (size_t i = 0; i < nseen; i++)
			dup |= strcmp(seen[i], devno) == 0;
		if (dup || nseen == 64)
			continue;
		snprintf(seen[nseen++], sizeof(seen[0]), "%s", devno);
		unescape_octal(mnt);
		add_hier(mnt, superopts, is_v2);
		v1 |= !is_v2;
		v2 |= is_v2;
	}
	cache.mode = v1 && v2 ? CGROUP_MODE_HYBRID : v1 ? CGROUP_MODE_V1 : v2 ? CGROUP_MODE_V2
									    : CGROUP_MODE_NONE;
}

enum cgroup_mode cgroup_detect_mode(void)
{
	load();
	return cache.mode;
}

const char *cgroup_mode_name(enum cgroup_mode m)
{
	switch (m) {
	case CGROUP_MODE_V1:
		return "v1";
	case CGROUP_MODE_HYBRID:
		return "hybrid";
	case CGROUP_MODE_V2:
		return "v2";
	case CGROUP_MODE_NONE:
		break;
	}
	return "none";
}

size_t cg_hier_count(void)
{
	load();
	return cache.n;
}

const struct cg_hier *cg_hier_at(size_t i)
{
	load();
	return i < cache.n ? &cache.h[i] : NULL;
}

const struct cg_hier *cg_hier_v2(void)
{
	load();
	for (size_t i = 0; i < cache.n; i++)
		if (cache.h[i].v2)
			return &cache.h[i];
	return NULL;
}

bool cg_hier_has(const struct cg_hier *h, const char *controller)
{
	for (char **c = h->controllers; c && *c; c++)
		if (strcmp(*c, controller) == 0)
			return true;
	return false;
}

const struct cg_hier *cg_hier_v1(const char *controller)
{
	load();
	for (size_t i = 0; i < cache.n; i++)
		if (!cache.h[i].v2 && cg_hier_has(&cache.h[i], controller))
			return &cache.h[i];
	return NULL;
}

const char *cgroup_mountpoint(const char *controller)
{
	const struct cg_hier *h;

	if (!controller || !*controller || strcmp(controller, "unified") == 0)
		h = cg_hier_v2();
	else
		h = cg_hier_v1(controller);
	return h ? h->mnt : NULL;
}

/* ---- paths ---- */

/* Lexically clean an absolute path: no "", "." or ".." components, and ".."
 * stops at "/" (a cgroupsPath must not climb out of the hierarchy). */
static char *clean_abs(const char *base, const char *rel)
{
	size_t cap = strlen(base) + (rel ? strlen(rel) : 0) + 3;
	char *out = malloc(cap);
	cleanup_free char *joined = malloc(cap);

	if (!out || !joined) {
		free(out);
		return NULL;
	}
	snprintf(joined, cap, "%s/%s", base, rel ? rel : "");
	size_t len = 0;
	char *save = NULL;
	for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the slash */
			continue;
		}
		out[len++] = '/';
		memcpy(out + len, c, strlen(c));
		len += strlen(c);
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return out;
}

static bool is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Does a /proc/self/cgroup controller list ("cpu,cpuacct", "name=systemd",
 * "" for cgroup2) name hierarchy h? */
static bool line_names(const char *list, const struct cg_hier *h)
{
	if (h->v2)
		return *list == '\0';
	cleanup_free char *copy = strdup(list);
	char *save = NULL;

	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
		if (cg_hier_has(h, t))
			return true;
	return false;
}

/* ward's own cgroup in hierarchy h ("/" when not listed). */
static char *own_cgroup(const struct cg_hier *h)
{
	cleanup_file FILE *f = fopen("/proc/self/cgroup", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	char *found = NULL;

	while (f && !found && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		if (line_names(c1 + 1, h))
			found = strdup(c2 + 1);
	}
	return found ? found : strdup("/");
}

void cgroup_loc_free(struct cgroup_loc *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->dirs[i].mnt);
		free(cg->dirs[i].path);
	}
	free(cg->dirs);
	free(cg->path);
	free(cg);
}

/* An empty location with room for every mounted hierarchy. */
static struct cgroup_loc *loc_alloc(void)
{
	struct cgroup_loc *cg = calloc(1, sizeof(*cg));

	if (cg && !(cg->dirs = calloc(cg_hier_count() + 1, sizeof(*cg->dirs)))) {
		free(cg);
		return NULL;
	}
	return cg;
}

/* The path shown in messages: the unified hierarchy's, else the first. */
static int loc_finish(struct cgroup_loc *cg)
{
	const struct cg_hier *v2 = cg_hier_v2();
	const char *p = cg->n ? cg->dirs[0].path : "/";

	for (size_t i = 0; v2 && i < cg->n; i++)
		if (strcmp(cg->dirs[i].mnt, v2->mnt) == 0)
			p = cg->dirs[i].path;
	cg->path = strdup(p);
	return cg->path ? 0 : -1;
}

static int loc_add(struct cgroup_loc *cg, const char *mnt, char *path, bool created)
{
	if (!path)
		return -1;
	cg->dirs[cg->n].mnt = strdup(mnt);
	cg->dirs[cg->n].path = path;
	cg->dirs[cg->n].created = created;
	cg->n++;
	return cg->dirs[cg->n - 1].mnt ? 0 : -1;
}

struct cgroup_loc *cgroup_resolve(const struct spec *s, const char *id)
{
	const char *p = s && s->linux ? s->linux->cgroups_path : NULL;
	struct cgroup_loc *cg = loc_alloc();
	int r = cg ? 0 : -1;

	for (size_t i = 0; r == 0 && i < cg_hier_count(); i++) {
		const struct cg_hier *h = cg_hier_at(i);
		if (p && p[0] == '/') {
			r = loc_add(cg, h->mnt, clean_abs("/", p), false);
			continue;
		}
		cleanup_free char *base = own_cgroup(h);
		if (!base) {
			r = -1;
			break;
		}
		/* Pure v2: our own cgroup has processes (us, at least), so it
		 * cannot hand controllers down ("no internal processes"); its
		 * parent can. runc's fs2 driver makes the same choice. */
		if (cgroup_detect_mode() == CGROUP_MODE_V2) {
			char *slash = strrchr(base, '/');
			if (slash && slash != base)
				*slash = '\0';
			else if (slash)
				slash[1] = '\0';
		}
		r = loc_add(cg, h->mnt, clean_abs(base, p && *p ? p : id), false);
	}
	if (r < 0 || loc_finish(cg) < 0) {
		cgroup_loc_free(cg);
		return NULL;
	}
	return cg;
}

struct cgroup_loc *cgroup_loc_uniform(const char *path, bool created)
{
	struct cgroup_loc *cg = loc_alloc();
	int r = cg ? 0 : -1;

	for (size_t i = 0; r == 0 && i < cg_hier_count(); i++)
		r = loc_add(cg, cg_hier_at(i)->mnt, strdup(path), created);
	if (r < 0 || loc_finish(cg) < 0) {
		cgroup_loc_free(cg);
		return NULL;
	}
	return cg;
}

struct cgroup_loc *cgroup_loc_dup(const struct cgroup_loc *src)
{
	struct cgroup_loc *cg = calloc(1, sizeof(*cg));
	int r = cg ? 0 : -1;

	if (cg && !(cg->dirs = calloc(src->n + 1, sizeof(*cg->dirs))))
		r = -1;
	for (size_t i = 0; r == 0 && i < src->n; i++)
		r = loc_add(cg, src->dirs[i].mnt, strdup(src->dirs[i].path), src->dirs[i].created);
	if (r == 0 && !(cg->path = strdup(src->path)))
		r = -1;
	if (r < 0) {
		cgroup_loc_free(cg);
		return NULL;
	}
	return cg;
}

/* runc's wording, without a strerror suffix, but with an errno to test. */
__attribute__((format(printf, 3, 4))) static int plain(struct ward_error *err, int errnum,
							const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ward_error_set(err, 0, "%s", msg);
	if (err)
		err->errnum = errnum;
	return -1;
}

int cgroup_loc_descend(struct cgroup_loc *cg, const char *controller, const char *sub,
		       struct ward_error *err)
{
	bool found = false;

	for (size_t i = 0; i < cg->n; i++) {
		struct cgroup_dir *d = &cg->dirs[i];
		const struct cg_hier *h = NULL;
		for (size_t k = 0; k < cg_hier_count(); k++)
			if (strcmp(cg_hier_at(k)->mnt, d->mnt) == 0)
				h = cg_hier_at(k);
		if (controller && (!h || !cg_hier_has(h, controller)))
			continue;
		found = true;
		cleanup_free char *to = clean_abs(d->path, sub);
		size_t len = strlen(d->path);
		if (!to)
			return ward_error_set(err, ENOMEM, "cgroup path");
		/* Below, never beside or above: ".." that climbs out fails. */
		if (strncmp(to, d->path, len) != 0 || (to[len] != '/' && to[len] != '\0'))
			return plain(err, EINVAL, "%s is not a sub cgroup path", sub);
		cleanup_free char *dir = NULL;
		if (asprintf(&dir, "%s%s", d->mnt, to) < 0)
			return ward_error_set(err, ENOMEM, "cgroup path");
		if (!is_dir(dir))
			return ward_error_set(err, ENOENT, "--cgroup: cgroup %s does not exist", dir);
		free(d->path);
		d->path = steal_ptr(to);
		/* The container's directory is ward's; a sub-cgroup is not. */
		d->created = false;
	}
	if (controller && !found)
		return plain(err, EINVAL, "unknown controller %s in SubCgroupPaths", controller);
	free(cg->path);
	return loc_finish(cg) < 0 ? ward_error_set(err, ENOMEM, "cgroup path") : 0;
}

bool cgroup_owned(const struct cgroup_loc *cg)
{
	if (!cg || cg->n == 0)
		return false;
	for (size_t i = 0; i < cg->n; i++)
		if (!cg->dirs[i].created)
			return false;
	return true;
}

const char *cg_path_in(const struct cgroup_loc *cg, const struct cg_hier *h)
{
	for (size_t i = 0; i < cg->n; i++)
		if (strcmp(cg->dirs[i].mnt, h->mnt) == 0)
			return cg->dirs[i].path;
	return cg->path;
}

int cgroup_check_driver(bool systemd, struct ward_error *err)
{
	if (!systemd)
		return 0;
	if (access("/run/systemd/system", F_OK) < 0)
		return ward_error_set(err, 0,
				      "systemd cgroup driver requested but systemd is not running");
	return ward_error_set(err, 0, "systemd cgroup driver is not supported by ward; "
				      "use the cgroupfs driver (no --systemd-cgroup)");
}

char *cg_dir(const struct cg_hier *h, const struct cgroup_loc *cg)
{
	return cg_dir_path(h, cg_path_in(cg, h));
}

char *cg_dir_path(const struct cg_hier *h, const char *path)
{
	char *d;

	if (asprintf(&d, "%s%s", h->mnt, strcmp(path, "/") == 0 ? "" : path) < 0)
		return NULL;
	return d;
}

int cg_open_write(const char *dir, const char *file, struct ward_error *err)
{
	cleanup_free char *p = NULL;
	int fd;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return ward_error_set(err, ENOMEM, "cgroup write");
	fd = open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return ward_error_errno(err, "open %s", p);
	return fd;
}

int cg_write_fd(int fd, const char *dir, const char *file, const char *value, struct ward_error *err)
{
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);

	if (n < 0)
		return ward_error_errno(err, "write %s to %s/%s", value, dir, file);
	if ((size_t)n != len)
		return ward_error_set(err, EIO, "short write to %s/%s", dir, file);
	return 0;
}

int cg_write(const char *dir, const char *file, const char *value, struct ward_error *err)
{
	cleanup_close int fd = cg_open_write(dir, file, err);

	if (fd < 0)
		return -1;
	return cg_write_fd(fd, dir, file, value, err);
}

int cg_read(const char *dir, const char *file, char *buf, size_t size, struct ward_error *err)
{
	cleanup_free char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return ward_error_set(err, ENOMEM, "cgroup read");
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return ward_error_errno(err, "open %s", p);
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		return ward_error_errno(err, "read %s", p);
	buf[n] = '\0';
	return (int)n;
}

/* Whether the unified root offers a controller (its cgroup.controllers). */
static bool v2_offers(const char *controller)
{
	const struct cg_hier *h = cg_hier_v2();
	char buf[512];
	size_t len = strlen(controller);

	if (!h || cg_read(h->mnt, "cgroup.controllers", buf, sizeof(buf), NULL) < 0)
		return false;
	for (char *p = buf; (p = strstr(p, controller)); p += len)
		if ((p == buf || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\n' || !p[len]))
			return true;
	return false;
}

const struct cg_hier *cg_controller_hier(const char *controller)
{
	const struct cg_hier *h = cg_hier_v1(controller);

	if (h)
		return h;
	/* v2 names: the v1 "blkio" is "io" there. */
	if (strcmp(controller, "blkio") == 0)
		controller = "io";
	return v2_offers(controller) ? cg_hier_v2() : NULL;
}

int cgroup_open_v2_dir(const struct cgroup_loc *cg, struct ward_error *err)
{
	const struct cg_hier *h = cg_hier_v2();

	if (!h)
		return ward_error_set(err, ENOENT, "no cgroup2 hierarchy is mounted");
	cleanup_free char *dir = cg_dir(h, cg);
	if (!dir)
		return ward_error_set(err, ENOMEM, "cgroup path");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ward_error_errno(err, "open cgroup %s", dir);
	return fd;
}

/* A location ward may act on: known, and never a hierarchy's root. */
static bool unusable(const struct cgroup_loc *cg)
{
	if (!cg || cg->n == 0)
		return true;
	for (size_t i = 0; i < cg->n; i++)
		if (strcmp(cg->dirs[i].path, "/") == 0 || cg->dirs[i].path[0] != '/')
			return true;
	return false;
}

static int refuse(const struct cgroup_loc *cg, const char *what, struct ward_error *err)
{
	return ward_error_set(err, EINVAL, "refusing to %s cgroup path \"%s\"", what,
			      cg && cg->path ? cg->path : "");
}

static int read_procs(const char *dir, pid_t **pids, size_t *n, size_t *cap, int depth,
		      struct ward_error *err);

/* Frozen in any sense that would stop a new task: v1 FROZEN or FREEZING
 * (also when a parent is), v2 cgroup.freeze set or cgroup.events reporting
 * frozen (set on a parent). */
static bool frozen_at_all(const struct cgroup_loc *cg)
{
	const struct cg_hier *fz = cg_hier_v1("freezer");
	const struct cg_hier *v2 = cg_hier_v2();
	char buf[256];

	if (fz) {
		cleanup_free char *dir = cg_dir(fz, cg);
		if (dir && cg_read(dir, "freezer.state", buf, sizeof(buf), NULL) > 0 &&
		    strncmp(buf, "THAWED", 6) != 0)
			return true;
	}
	if (v2) {
		cleanup_free char *dir = cg_dir(v2, cg);
		if (dir && cg_read(dir, "cgroup.freeze", buf, sizeof(buf), NULL) > 0 &&
		    buf[0] == '1')
			return true;
		if (dir && cg_read(dir, "cgroup.events", buf, sizeof(buf), NULL) > 0 &&
		    strstr(buf, "frozen 1"))
			return true;
	}
	return false;
}

int cgroup_prepare(struct cgroup_loc *cg, struct ward_error *err)
{
	size_t total = 0;
	bool any = false;

	if (unusable(cg))
		return refuse(cg, "use", err);
	if (cg_hier_count() == 0)
		return ward_error_set(err, ENOENT, "no cgroup hierarchy is mounted");
	for (size_t i = 0; i < cg->n; i++) {
		cleanup_free char *dir = NULL;
		if (asprintf(&dir, "%s%s", cg->dirs[i].mnt, cg->dirs[i].path) < 0)
			return ward_error_set(err, ENOMEM, "cgroup path");
		cg->dirs[i].created = !is_dir(dir);
		if (cg->dirs[i].created)
			continue;
		any = true;
		/* runc 1.2's rule: a cgroup with processes belongs to
		 * someone else, and whatever is in it would be signalled and
		 * accounted as the container's. */
		cleanup_free pid_t *pids = NULL;
		size_t n = 0, cap = 0;
		if (read_procs(dir, &pids, &n, &cap, 0, err) < 0)
			return ward_error_wrap(err, "container's cgroup");
		if (n > total)
			total = n; /* the same processes in every hierarchy */
	}
	if (total > 0)
		return plain(err, EBUSY, "container's cgroup is not empty: %zu process(es) found "
					 "(%s)", total, cg->path);
	/* None exists yet: nothing there to be frozen (a frozen parent is
	 * seen once they are made, by cgroup_create). */
	if (any && frozen_at_all(cg))
		return plain(err, EBUSY, "container's cgroup unexpectedly frozen (%s)", cg->path);
	return 0;
}

static int mkdir_failed(const char *dir, struct ward_error *err)
{
	if (errno != EACCES && errno != EPERM && errno != EROFS)
		return ward_error_errno(err, "create cgroup %s", dir);
	ward_error_errno(err, "create cgroup %s", dir);
	if (geteuid() != 0)
		ward_error_wrap(err, "rootless: no write access to the cgroup tree (set "
				     "linux.cgroupsPath to a cgroup delegated to uid %u)",
				(unsigned)geteuid());
	return -1;
}

int cgroup_create(struct cgroup_loc *cg, struct ward_error *err)
{
	if (unusable(cg))
		return refuse(cg, "use", err);
	if (cg_hier_count() == 0)
		return ward_error_set(err, ENOENT, "no cgroup hierarchy is mounted");
	for (size_t i = 0; i < cg->n; i++) {
		struct cgroup_dir *d = &cg->dirs[i];
		const struct cg_hier *h = NULL;
		cleanup_free char *dir = NULL;
		for (size_t k = 0; k < cg_hier_count(); k++)
			if (strcmp(cg_hier_at(k)->mnt, d->mnt) == 0)
				h = cg_hier_at(k);
		if (!h)
			continue; /* unmounted since: nothing to make there */
		if (asprintf(&dir, "%s%s", d->mnt, d->path) < 0)
			return ward_error_set(err, ENOMEM, "cgroup path");
		/* One level at a time: every cpuset level on the way must
		 * have cpus and mems before the next can get them. Elsewhere the
		 * levels above are there as a rule: the leaf alone first, and
		 * the walk from the top only when its parent is missing. */
		bool leaf_first = !cg_hier_has(h, "cpuset");
		char *top = dir + strlen(d->mnt) + 1;
		for (char *p = leaf_first ? dir + strlen(dir) : top;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char saved = *p;
			*p = '\0';
			bool made = mkdir(dir, 0755) == 0;
			if (!made && errno == ENOENT && leaf_first) {
				leaf_first = false;
				p = top - 1;
				continue;
			}
			if (!made && errno != EEXIST)
				return mkdir_failed(dir, err);
			if (saved == '\0' && !made && d->created) {
				d->created = false; /* not ours after all */
				return ward_error_set(err, EEXIST, "cgroup %s appeared while the "
								   "container was being created", dir);
			}
			if (saved == '\0' && made)
				d->created = true;
			if (cg_hier_has(h, "cpuset") &&
			    cg_v1_cpuset_init(dir, saved == '\0' && made, err) < 0)
				return -1;
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	/* A new cgroup below a frozen one is frozen too. */
	if (frozen_at_all(cg))
		return plain(err, EBUSY, "container's cgroup unexpectedly frozen (%s)", cg->path);
	/* A pure v2 host: make the controllers reach the new cgroup, as runc
	 * does; ones that cannot be enabled fail later only if needed. */
	if (cgroup_detect_mode() == CGROUP_MODE_V2)
		cg_v2_enable_all(cg_path_in(cg, cg_hier_v2()));
	return 0;
}

int cgroup_join(const struct cgroup_loc *cg, pid_t pid, struct ward_error *err)
{
	char num[24];

	if (unusable(cg))
		return refuse(cg, "use", err);
	snprintf(num, sizeof(num), "%d", (int)pid);
	for (size_t i = 0; i < cg_hier_count(); i++) {
		cleanup_free char *dir = cg_dir(cg_hier_at(i), cg);
		if (!dir)
			return ward_error_set(err, ENOMEM, "cgroup path");
		if (cg_write(dir, "cgroup.procs", num, err) < 0)
			return ward_error_wrap(err, "join cgroup");
	}
	return 0;
}

bool cgroup_exists(const struct cgroup_loc *cg)
{
	for (size_t i = 0; cg && i < cg_hier_count(); i++) {
		cleanup_free char *dir = cg_dir(cg_hier_at(i), cg);
		if (dir && is_dir(dir))
			return true;
	}
	return false;
}

/* rmdir a cgroup after its children (cgroupfs only allows removing empty
 * leaves; the files inside are not removable and need not be). */
static int rmdir_tree(const char *dir, int depth)
{
	/* A container's cgroup is a leaf as a rule: one rmdir, and the
	 * listing (a readdir of every control file) only when it has
	 * children (EBUSY) or tasks (EBUSY again after the walk). */
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return -1;

	cleanup_dir DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -1;
	if (depth > 64) {
		errno = ELOOP;
		return -1;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		cleanup_free char *sub = NULL;
		if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
			return -1;
		if (rmdir_tree(sub, depth + 1) < 0)
			return -1;
	}
	if (rmdir(dir) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

int cgroup_destroy(const struct cgroup_loc *cg, struct ward_error *err)
{
	size_t n = cg ? cg->n : 0;
	bool done[n + 1];
	int delay_ms = 10;

	if (unusable(cg))
		return refuse(cg, "remove", err);
	/* What ward did not create stays, with whatever is below it. */
	for (size_t i = 0; i < n; i++)
		done[i] = !cg->dirs[i].created;
	/* Right after the last task exits the kernel may still report the
	 * cgroup busy for a moment; retry with backoff (~0.6 s in total). */
	for (int attempt = 0;; attempt++) {
		bool pending = false;
		const char *failed = NULL;
		int saved = 0;
		for (size_t i = 0; i < n; i++) {
			if (done[i])
				continue;
			cleanup_free char *dir = NULL;
			if (asprintf(&dir, "%s%s", cg->dirs[i].mnt, cg->dirs[i].path) >= 0 &&
			    rmdir_tree(dir, 0) == 0) {
				done[i] = true;
				continue;
			}
			pending = true;
			if (!failed) {
				saved = dir ? errno : ENOMEM;
				failed = cg->dirs[i].mnt;
			}
		}
		if (!pending)
			return 0;
		if (attempt == 5 || (saved != EBUSY && saved != ENOTEMPTY))
			return ward_error_set(err, saved, "remove cgroup %s%s", failed, cg->path);
		struct timespec ts = { 0, delay_ms * 1000000L };
		nanosleep(&ts, NULL);
		delay_ms *= 2;
	}
}

static int read_procs(const char *dir, pid_t **pids, size_t *n, size_t *cap, int depth,
		      struct ward_error *err)
{
	cleanup_free char *file = NULL;

	if (asprintf(&file, "%s/cgroup.procs", dir) < 0)
		return ward_error_set(err, ENOMEM, "cgroup pids");
	cleanup_file FILE *f = fopen(file, "re");
	if (!f)
		return ward_error_errno(err, "open %s", file);
	long v;
	while (fscanf(f, "%ld", &v) == 1) {
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			pid_t *np = realloc(*pids, *cap * sizeof(pid_t));
			if (!np)
				return ward_error_set(err, ENOMEM, "cgroup pids");
			*pids = np;
		}
		(*pids)[(*n)++] = (pid_t)v;
	}
	if (depth > 64)
		return 0;
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		cleanup_free char *sub = NULL;
		if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
			return ward_error_set(err, ENOMEM, "cgroup pids");
		if (read_procs(sub, pids, n, cap, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

/* Every hierarchy holds every task: read the unified one when the container
 * has a directory there, else the first v1 one that does. */
static char *pids_dir(const struct cgroup_loc *cg)
{
	const struct cg_hier *v2 = cg_hier_v2();
	struct stat sb;
	char *dir;

	if (v2) {
		dir = cg_dir(v2, cg);
		if (dir && stat(dir, &sb) == 0)
			return dir;
		free(dir);
	}
	for (size_t i = 0; i < cg_hier_count(); i++) {
		if (cg_hier_at(i)->v2)
			continue;
		dir = cg_dir(cg_hier_at(i), cg);
		if (dir && stat(dir, &sb) == 0)
			return dir;
		free(dir);
	}
	return NULL;
}

pid_t *cgroup_pids(const struct cgroup_loc *cg, size_t *n, struct ward_error *err)
{
	pid_t *pids = NULL;
	size_t cap = 0;

	*n = 0;
	if (unusable(cg)) {
		refuse(cg, "list", err);
		return NULL;
	}
	cleanup_free char *dir = pids_dir(cg);
	if (dir && read_procs(dir, &pids, n, &cap, 0, err) < 0) {
		free(pids);
		return NULL;
	}
	/* No cgroup directory (already destroyed): no processes. */
	if (!pids && !(pids = malloc(sizeof(pid_t))))
		ward_error_set(err, ENOMEM, "cgroup pids");
	return pids;
}

/* ---- freezer and signals (dispatch to the version that is mounted) ---- */

bool cgroup_is_frozen(const struct cgroup_loc *cg)
{
	if (unusable(cg))
		return false;
	return cg_v1_is_frozen(cg) || cg_v2_is_frozen(cg);
}

int cgroup_set_frozen(const struct cgroup_loc *cg, bool frozen, struct ward_error *err)
{
	if (unusable(cg))
		return refuse(cg, "freeze", err);
	/* v1 freezer when mounted (hybrid hosts), else the v2 core freezer. */
	if (cg_hier_v1("freezer"))
		return cg_v1_set_frozen(cg, frozen, err);
	if (cg_hier_v2())
		return cg_v2_set_frozen(cg, frozen, err);
	return ward_error_set(err, ENOTSUP, "no cgroup freezer is available");
}

int cgroup_signal_all(const struct cgroup_loc *cg, int sig, struct ward_error *err)
{
	if (unusable(cg))
		return refuse(cg, "signal", err);
	bool was_frozen = cgroup_is_frozen(cg);
	if (sig == SIGKILL) {
		int r = cg_v2_kill(cg, err);
		if (r < 0)
			return -1;
		if (r > 0) {
			/* v1-frozen tasks only die once thawed. */
			if (was_frozen)
				cgroup_set_frozen(cg, false, NULL);
			return 0;
		}
	}
	/* Frozen, the set of tasks cannot change (no fork, no exit, so no pid
	 * reuse) while we walk it. Best effort: without a freezer we still
	 * signal what we see. */
	bool froze = !was_frozen && cgroup_set_frozen(cg, true, NULL) == 0;
	size_t n;
	cleanup_free pid_t *pids = cgroup_pids(cg, &n, err);
	int ret = 0;
	if (!pids) {
		ret = -1;
	} else {
		for (size_t i = 0; i < n; i++) {
			if (kill(pids[i], sig) < 0 && errno != ESRCH && ret == 0)
				ret = ward_error_errno(err, "signal pid %d", (int)pids[i]);
		}
	}
	if (froze || (sig == SIGKILL && was_frozen))
		cgroup_set_frozen(cg, false, NULL);
	return ret;
}
