/* Unit tests for resource control: the conversions and parsers, the device
 * policy model and its eBPF program, and the files written into real
 * cgroups under /ward-test (v1, v2 or hybrid: whatever the host has; the
 * expectations follow where each controller lives). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "cgroup.h"
#include "cgroup_cmds.h"
#include "cgroup_priv.h"
#include "cleanup.h"
#include "jsonw.h"
#include "log.h"
#include "tap.h"

static char base[96];  /* /ward-test/cgunit-PID */

/* ---- helpers ---- */

static struct spec_resources *res(const char *json)
{
	struct ward_error err = { 0 };
	struct spec_resources *r = spec_parse_resources(json, strlen(json), "test", &err);

	if (!r)
		diag("parse: %s", err.msg);
	return r;
}

static void res_freep(struct spec_resources **r)
{
	spec_resources_free(*r);
}
#define cleanup_res __attribute__((cleanup(res_freep)))

static void loc_freep(struct cgroup_loc **cg)
{
	cgroup_loc_free(*cg);
}
#define cleanup_loc __attribute__((cleanup(loc_freep)))

/* The directory of `path` in the hierarchy holding `controller`. */
static char *where(const char *controller, const struct cgroup_loc *path)
{
	const struct cg_hier *h = cg_controller_hier(controller);

	return h ? cg_dir(h, path) : NULL;
}

static bool lives_in_v2(const char *controller)
{
	const struct cg_hier *h = cg_controller_hier(controller);

	return h && h->v2;
}

/* First line of a cgroup file, "" if unreadable. */
static char *line_of(const char *controller, const struct cgroup_loc *path, const char *file)
{
	cleanup_free char *dir = where(controller, path);
	char *text = dir ? cg_read_all(dir, file, NULL) : NULL;

	if (!text)
		return strdup("");
	text[strcspn(text, "\n")] = '\0';
	return text;
}

/* A child that waits for a byte on a pipe, then runs fn and exits with its
 * result. Lets the parent place it in a cgroup first. */
struct gated {
	pid_t pid;
	int go;
};

static struct gated gated_child(int (*fn)(void))
{
	int p[2];
	struct gated g = { -1, -1 };

	if (pipe2(p, O_CLOEXEC) < 0)
		return g;
	g.pid = fork();
	if (g.pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(99);
		_exit(fn());
	}
	close(p[0]);
	g.go = p[1];
	return g;
}

static int release_and_wait(struct gated *g)
{
	int ws = 0;

	if (write(g->go, "x", 1) != 1)
		return -1;
	close(g->go);
	waitpid(g->pid, &ws, 0);
	return ws;
}

static int open_null(void)
{
	int fd = open("/dev/null", O_RDWR);
	return fd >= 0 ? 0 : errno;
}

/* /dev/null stands for the allowed device, /dev/full (c 1:7) for the
 * denied one; mknod-free: the nodes exist on the host. */
static int open_full(void)
{
	int fd = open("/dev/full", O_WRONLY);
	return fd >= 0 ? 0 : errno;
}

static int touch_memory(void)
{
	/* 48 MiB, page by page. */
	size_t len = 48u << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	return 0;
}

static bool have_root_cgroups(void)
{
	return geteuid() == 0 && cgroup_detect_mode() != CGROUP_MODE_NONE;
}

/* ---- pure functions ---- */

static void test_conversions(void)
{
	struct ward_error err = { 0 };
	int64_t v;

	is_int((int64_t)cg_cpu_shares_to_weight(0), 0, "shares 0: unset");
	is_int((int64_t)cg_cpu_shares_to_weight(2), 1, "shares 2 -> weight 1");
	is_int((int64_t)cg_cpu_shares_to_weight(1024), 39, "shares 1024 -> weight 39");
	is_int((int64_t)cg_cpu_shares_to_weight(262144), 10000, "shares 262144 -> weight 10000");
	is_int((int64_t)cg_cpu_shares_to_weight(1), 1, "shares below the range clamp");
	is_int((int64_t)cg_blkio_weight_to_io_weight(10), 1, "blkio 10 -> io 1");
	is_int((int64_t)cg_blkio_weight_to_io_weight(500), 4950, "blkio 500 -> io 4950");
	is_int((int64_t)cg_blkio_weight_to_io_weight(1000), 10000, "blkio 1000 -> io 10000");

	ok(cg_v2_swap_value(0, -1, &v, &err) == 0 && v == -1, "unlimited memory, swap unset: max");
	ok(cg_v2_swap_value(-1, 100, &v, &err) == 0 && v == -1, "swap -1: max");
	ok(cg_v2_swap_value(0, 100, &v, &err) == 0 && v == 0, "swap unset: untouched");
	ok(cg_v2_swap_value(300, 100, &v, &err) == 0 && v == 200, "swap 300 limit 100: 200");
	ok(cg_v2_swap_value(100, 100, &v, &err) == 0 && v == 0, "swap == limit: no swap");
	ok(cg_v2_swap_value(50, 100, &v, &err) < 0 && strstr(err.msg, "at least"),
	   "swap below limit refused: %s", err.msg);
	ok(cg_v2_swap_value(100, 0, &v, &err) < 0 && strstr(err.msg, "needs a memory.limit"),
	   "swap without limit refused");
}

static void test_parsers(void)
{
	static const struct {
		const char *in;
		int64_t out; /* -2: invalid */
	} ram[] = {
		{ "100", 100 }, { "10m", 10485760 }, { "10M", 10485760 }, { "1.5g", 1610612736 },
		{ "10 MB", 10485760 }, { "10MiB", 10485760 }, { "2k", 2048 }, { "1t", 1099511627776 },
		{ "10b", 10 }, { "10x", -2 }, { "", -2 }, { "k", -2 }, { "-5", -2 }, { "1..5m", -2 },
		{ "5mm", -2 },
	};
	for (size_t i = 0; i < sizeof(ram) / sizeof(ram[0]); i++) {
		int64_t v = -2;
		int r = update_ram_in_bytes(ram[i].in, &v);
		ok(ram[i].out == -2 ? r < 0 : (r == 0 && v == ram[i].out), "RAMInBytes(\"%s\") = %lld",
		   ram[i].in, (long long)(r < 0 ? -2 : v));
	}
	static const struct {
		const char *in;
		int64_t ns; /* -2: invalid */
	} dur[] = {
		{ "5s", 5000000000 }, { "100ms", 100000000 }, { "1m30s", 90000000000 },
		{ "1.5h", 5400000000000 }, { "0", 0 }, { "250us", 250000 }, { "-1s", -1000000000 },
		{ "5", -2 }, { "x", -2 }, { "", -2 }, { "5q", -2 },
	};
	for (size_t i = 0; i < sizeof(dur) / sizeof(dur[0]); i++) {
		int64_t v = -2;
		int r = events_parse_duration(dur[i].in, &v);
		ok(dur[i].ns == -2 ? r < 0 : (r == 0 && v == dur[i].ns), "duration(\"%s\")", dur[i].in);
	}
}

/* ---- device policy ---- */

static void test_device_model(void)
{
	struct ward_error err = { 0 };
	struct cg_dev_state st = { 0 };
	cleanup_res struct spec_resources *r1 = res(
		"{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		"{\"allow\":true,\"type\":\"c\",\"major\":10,\"minor\":200,\"access\":\"rw\"},"
		"{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":7,\"access\":\"rwm\"}]}");

	ok(r1 && cg_dev_build(r1->devices, r1->n_devices, &st, &err) == 0, "build: %s", err.msg);
	ok(!st.default_allow, "deny by default");
	ok(cg_dev_allows(&st, 'c', 1, 3, CG_DEV_READ | CG_DEV_WRITE), "default /dev/null allowed");
	ok(!cg_dev_allows(&st, 'c', 1, 7, CG_DEV_WRITE), "/dev/full named by a deny rule: denied");
	ok(cg_dev_allows(&st, 'c', 10, 200, CG_DEV_READ), "explicit allow c 10:200 r");
	ok(!cg_dev_allows(&st, 'c', 10, 200, CG_DEV_MKNOD | CG_DEV_READ) ||
		   cg_dev_allows(&st, 'c', 10, 200, CG_DEV_MKNOD),
	   "mknod of c 10:200 comes from the c *:* m default only");
	ok(cg_dev_allows(&st, 'c', 136, 4, CG_DEV_READ | CG_DEV_WRITE), "pts wildcard minor");
	ok(!cg_dev_allows(&st, 'b', 8, 0, CG_DEV_READ), "block devices denied");
	ok(cg_dev_allows(&st, 'b', 8, 0, CG_DEV_MKNOD), "mknod of any block node (default)");
	ok(!cg_dev_allows(&st, 'c', 4, 1, CG_DEV_READ), "a tty denied");
	cg_dev_state_free(&st);

	/* Defaults alone (no rules) deny everything else. */
	int built = cg_dev_build(NULL, 0, &st, &err);
	ok(built == 0 && !st.default_allow && st.n == 10, "no rules: the 10 defaults (%zu)", st.n);
	cg_dev_state_free(&st);

	/* allow all, then deny one: a blacklist. */
	cleanup_res struct spec_resources *r2 = res(
		"{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},"
		"{\"allow\":false,\"type\":\"b\",\"major\":8,\"access\":\"w\"}]}");
	ok(r2 && cg_dev_build(r2->devices, r2->n_devices, &st, &err) == 0 && st.default_allow &&
		   st.n == 1,
	   "allow-all plus one deny exception");
	ok(!cg_dev_allows(&st, 'b', 8, 16, CG_DEV_WRITE | CG_DEV_READ), "b 8:* w denied");
	ok(cg_dev_allows(&st, 'b', 8, 16, CG_DEV_READ), "b 8:16 r still allowed");
	cg_dev_state_free(&st);

	/* Carving a device out of a broader allow cannot be expressed. */
	cleanup_res struct spec_resources *r3 = res(
		"{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		"{\"allow\":true,\"type\":\"c\",\"access\":\"rwm\"},"
		"{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"r\"}]}");
	ok(r3 && cg_dev_build(r3->devices, r3->n_devices, &st, &err) < 0 &&
		   strstr(err.msg, "cannot be carved"),
	   "hole in a wildcard refused: %s", err.msg);

	ok(cg_dev_parse_list("a *:* rwm\n", &st, &err) == 0 && st.default_allow && st.n == 0,
	   "devices.list: allow all");
	cg_dev_state_free(&st);
	ok(cg_dev_parse_list("c 1:3 rwm\nc *:* m\nb 7:* rw\n", &st, &err) == 0 &&
		   !st.default_allow && st.n == 3 &&
		   cg_dev_allows(&st, 'b', 7, 9, CG_DEV_READ) && !cg_dev_allows(&st, 'b', 7, 9, CG_DEV_MKNOD),
	   "devices.list: exceptions");
	cg_dev_state_free(&st);
}

/* BPF_PROG_QUERY: device programs attached to the directory itself. */
static int attached_programs(const char *dir)
{
	uint32_t ids[16];
	union bpf_attr a;
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)fd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uintptr_t)ids;
	a.query.prog_cnt = 16;
	if (fd < 0 || syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof(a)) < 0)
		return -1;
	return (int)a.query.prog_cnt;
}

/* The eBPF program, loaded and attached to a real cgroup2 directory (on a
 * hybrid host: the unified hierarchy, which the kernel consults for device
 * access too). */
static void test_bpf_devices(void)
{
	struct ward_error err = { 0 };
	struct cg_dev_state st = { 0 };
	char pathbuf[160];
	const struct cg_hier *h = cg_hier_v2();

	if (geteuid() != 0 || !h) {
		ok(1, "# SKIP bpf device program needs root and cgroup2");
		return;
	}
	snprintf(pathbuf, sizeof(pathbuf), "%s/bpf", base);
	cleanup_loc struct cgroup_loc *path = cgroup_loc_uniform(pathbuf, true);
	cleanup_free char *dir = cg_dir(h, path);
	ok(cgroup_create(path, &err) == 0, "create %s: %s", pathbuf, err.msg);
	cleanup_res struct spec_resources *r = res(
		"{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		"{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":7,\"access\":\"rwm\"}]}");
	ok(r && cg_dev_build(r->devices, r->n_devices, &st, &err) == 0, "policy");
	size_t n = 0;
	cleanup_free struct bpf_insn *prog = cg_bpf_dev_program(&st, &n, &err);
	ok(prog && n > 10, "program generated (%zu instructions)", n);
	int rc = cg_v2_set_devices(dir, &st, &err);
	ok(rc == 0, "program loaded and attached: %s", err.msg);
	if (rc == 0) {
		struct gated g = gated_child(open_null);
		cgroup_join(path, g.pid, &err);
		int ws = release_and_wait(&g);
		ok(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "/dev/null opens (status %d)", WEXITSTATUS(ws));
		g = gated_child(open_full);
		cgroup_join(path, g.pid, &err);
		ws = release_and_wait(&g);
		ok(WIFEXITED(ws) && WEXITSTATUS(ws) == EPERM, "/dev/full: EPERM (got %d)",
		   WEXITSTATUS(ws));

		/* Replace it with a policy allowing /dev/full: still one program. */
		struct cg_dev_state st2 = { 0 };
		cleanup_res struct spec_resources *r2 = res(
			"{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}");
		cg_dev_build(r2->devices, r2->n_devices, &st2, &err);
		ok(cg_v2_set_devices(dir, &st2, &err) == 0, "replaced: %s", err.msg);
		cg_dev_state_free(&st2);
		g = gated_child(open_full);
		cgroup_join(path, g.pid, &err);
		ws = release_and_wait(&g);
		ok(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "/dev/full opens after the update");
		ok(attached_programs(dir) == 1, "exactly one program attached");
	}
	cg_dev_state_free(&st);
	ok(cgroup_destroy(path, &err) == 0, "destroy: %s", err.msg);
}

/* ---- writes into real cgroups ---- */

/* A block device present on the host, "MAJ:MIN", or NULL. */
static char *some_block_device(void)
{
	cleanup_dir DIR *d = opendir("/sys/block");
	struct dirent *de;
	char buf[32], p[300];

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, "zram", 4) == 0)
			continue;
		snprintf(p, sizeof(p), "/sys/block/%s/dev", de->d_name);
		cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (n <= 0)
			continue;
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		return strdup(buf);
	}
	return NULL;
}

static void test_writes(void)
{
	struct ward_error err = { 0 };
	char pathbuf[160], json[2048];
	unsigned maj = 0, min = 0;
	cleanup_free char *blk = some_block_device();

	if (!have_root_cgroups()) {
		ok(1, "# SKIP cgroup writes need root and cgroups");
		return;
	}
	if (blk)
		sscanf(blk, "%u:%u", &maj, &min);
	snprintf(pathbuf, sizeof(pathbuf), "%s/w", base);
	cleanup_loc struct cgroup_loc *path = cgroup_loc_uniform(pathbuf, true);
	ok(cgroup_create(path, &err) == 0, "create %s: %s", pathbuf, err.msg);
	snprintf(json, sizeof(json),
		 "{\"memory\":{\"limit\":67108864,\"reservation\":33554432,\"swap\":134217728%s},"
		 "\"cpu\":{\"shares\":512,\"quota\":50000,\"period\":100000,\"burst\":1000,"
		 "\"cpus\":\"0\",\"mems\":\"0\",\"idle\":0},"
		 "\"pids\":{\"limit\":42},"
		 "\"blockIO\":{\"weight\":300%s},"
		 "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		 "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rw\"}]}",
		 lives_in_v2("memory") ? "" : ",\"swappiness\":10,\"kernelTCP\":16777216,\"disableOOMKiller\":false",
		 blk ? ",\"throttleReadBpsDevice\":[{\"major\":MAJ,\"minor\":MIN,\"rate\":1048576}],"
		       "\"throttleWriteIOPSDevice\":[{\"major\":MAJ,\"minor\":MIN,\"rate\":100}]"
		     : "");
	/* The device numbers, spliced in. */
	for (char *p; (p = strstr(json, "MAJ")) || (p = strstr(json, "MIN"));) {
		char num[16], rest[2048];
		snprintf(num, sizeof(num), "%u", p[1] == 'A' ? maj : min);
		snprintf(rest, sizeof(rest), "%s", p + 3);
		snprintf(p, sizeof(json) - (size_t)(p - json), "%s%s", num, rest);
	}
	cleanup_res struct spec_resources *r = res(json);
	int rc = r ? cgroup_apply_resources(path, r, true, &err) : -1;
	ok(rc == 0, "apply: %s", err.msg);

#define IS_FILE(ctrl, file, want)                                                       \
	do {                                                                            \
		cleanup_free char *got_ = line_of(ctrl, path, file);                     \
		is_str(got_, want, "%s %s", lives_in_v2(ctrl) ? "v2" : "v1", file);    \
	} while (0)

	if (lives_in_v2("memory")) {
		IS_FILE("memory", "memory.max", "67108864");
		IS_FILE("memory", "memory.low", "33554432");
		cleanup_free char *mdir = where("memory", path);
		if (cg_file_exists(mdir, "memory.swap.max"))
			IS_FILE("memory", "memory.swap.max", "67108864");
	} else if (cgroup_mountpoint("memory")) {
		IS_FILE("memory", "memory.limit_in_bytes", "67108864");
		IS_FILE("memory", "memory.soft_limit_in_bytes", "33554432");
		cleanup_free char *mdir = where("memory", path);
		if (cg_file_exists(mdir, "memory.memsw.limit_in_bytes"))
			IS_FILE("memory", "memory.memsw.limit_in_bytes", "134217728");
		IS_FILE("memory", "memory.swappiness", "10");
		IS_FILE("memory", "memory.kmem.tcp.limit_in_bytes", "16777216");
		IS_FILE("memory", "memory.oom_control", "oom_kill_disable 0");
	}
	if (lives_in_v2("cpu")) {
		IS_FILE("cpu", "cpu.weight", "20");
		IS_FILE("cpu", "cpu.max", "50000 100000");
		IS_FILE("cpu", "cpu.max.burst", "1000");
		IS_FILE("cpu", "cpu.idle", "0");
	} else if (cgroup_mountpoint("cpu")) {
		IS_FILE("cpu", "cpu.shares", "512");
		IS_FILE("cpu", "cpu.cfs_quota_us", "50000");
		IS_FILE("cpu", "cpu.cfs_period_us", "100000");
		IS_FILE("cpu", "cpu.cfs_burst_us", "1000");
	}
	IS_FILE("cpuset", "cpuset.cpus", "0");
	IS_FILE("cpuset", "cpuset.mems", "0");
	IS_FILE("pids", "pids.max", "42");
	char want[64];
	if (lives_in_v2("blkio")) {
		cleanup_free char *d = where("blkio", path);
		if (cg_file_exists(d, "io.bfq.weight"))
			IS_FILE("blkio", "io.bfq.weight", "default 300");
		else
			IS_FILE("blkio", "io.weight", "default 2930");
		if (blk) {
			snprintf(want, sizeof(want), "%s rbps=1048576 wbps=max riops=max wiops=100", blk);
			IS_FILE("blkio", "io.max", want);
		}
	} else if (cgroup_mountpoint("blkio")) {
		cleanup_free char *d = where("blkio", path);
		IS_FILE("blkio", cg_file_exists(d, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight",
			"300");
		if (blk) {
			snprintf(want, sizeof(want), "%s 1048576", blk);
			IS_FILE("blkio", "blkio.throttle.read_bps_device", want);
			snprintf(want, sizeof(want), "%s 100", blk);
			IS_FILE("blkio", "blkio.throttle.write_iops_device", want);
		}
	}
	if (cgroup_mountpoint("devices")) {
		cleanup_free char *d = where("devices", path);
		cleanup_free char *list = cg_read_all(d, "devices.list", NULL);
		ok(list && strstr(list, "c 1:3 rw\n") && strstr(list, "c 1:5 rwm\n") &&
			   strstr(list, "c *:* m\n") && strstr(list, "c 136:* rwm\n") &&
			   !strstr(list, "a *:* rwm"),
		   "v1 devices.list holds the whitelist");
		/* The policy works: /dev/full (a default) opens. */
		struct gated g = gated_child(open_full);
		cgroup_join(path, g.pid, &err);
		int ws = release_and_wait(&g);
		ok(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "default /dev/full opens");
	}

	/* update: the limits move, in either direction. */
	cleanup_res struct spec_resources *u = res("{\"memory\":{\"limit\":33554432,\"swap\":33554432},"
						    "\"cpu\":{\"quota\":-1},\"pids\":{\"limit\":0}}");
	ok(u && cgroup_apply_resources(path, u, false, &err) == 0, "update: %s", err.msg);
	if (lives_in_v2("memory")) {
		IS_FILE("memory", "memory.max", "33554432");
	} else if (cgroup_mountpoint("memory")) {
		IS_FILE("memory", "memory.limit_in_bytes", "33554432");
	}
	IS_FILE("pids", "pids.max", "max");
	IS_FILE("cpu", lives_in_v2("cpu") ? "cpu.max" : "cpu.cfs_quota_us",
		lives_in_v2("cpu") ? "max 100000" : "-1");

	/* Errors name the field. */
	cleanup_res struct spec_resources *bad = res("{\"hugepageLimits\":[{\"pageSize\":\"3MB\",\"limit\":1}]}");
	bool hugetlb_ok = cg_controller_hier("hugetlb") &&
			  (!lives_in_v2("hugetlb") || cgroup_detect_mode() == CGROUP_MODE_V2);
	if (hugetlb_ok) {
		ok(cgroup_apply_resources(path, bad, false, &err) < 0 && strstr(err.msg, "3MB"),
		   "unknown hugepage size: %s", err.msg);
		cleanup_res struct spec_resources *hp =
			res("{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}]}");
		ok(cgroup_apply_resources(path, hp, false, &err) == 0, "hugetlb 2MB: %s", err.msg);
		IS_FILE("hugetlb", lives_in_v2("hugetlb") ? "hugetlb.2MB.max" : "hugetlb.2MB.limit_in_bytes",
			"4194304");
	} else {
		ok(1, "# SKIP hugetlb would need the root cgroup's subtree_control on this host");
	}
	cleanup_res struct spec_resources *net = res("{\"network\":{\"classID\":1048577}}");
	if (!cg_controller_hier("net_cls"))
		ok(cgroup_apply_resources(path, net, false, &err) < 0 &&
			   strstr(err.msg, "net_cls cgroup controller is not available"),
		   "net_cls absent: %s", err.msg);
	else
		ok(cgroup_apply_resources(path, net, false, &err) == 0, "net_cls: %s", err.msg);
	cleanup_res struct spec_resources *rt = res("{\"cpu\":{\"realtimeRuntime\":1000,\"realtimePeriod\":100000}}");
	if (lives_in_v2("cpu"))
		ok(cgroup_apply_resources(path, rt, false, &err) < 0 && strstr(err.msg, "realtime"),
		   "realtime on v2 refused: %s", err.msg);
	cleanup_res struct spec_resources *cs = res("{\"cpu\":{\"cpus\":\"9999\"}}");
	ok(cgroup_apply_resources(path, cs, false, &err) < 0 && strstr(err.msg, "cpu.cpus"),
	   "an impossible cpuset is an error: %s", err.msg);
	cleanup_loc struct cgroup_loc *root = cgroup_loc_uniform("/", true);
	ok(cgroup_apply_resources(root, u, false, &err) < 0, "never the root cgroup");
	ok(cgroup_destroy(path, &err) == 0, "destroy: %s", err.msg);
}

static void test_unified(void)
{
	struct ward_error err = { 0 };
	char pathbuf[160];

	if (!have_root_cgroups()) {
		ok(1, "# SKIP needs root and cgroups");
		return;
	}
	snprintf(pathbuf, sizeof(pathbuf), "%s/u", base);
	cleanup_loc struct cgroup_loc *path = cgroup_loc_uniform(pathbuf, true);
	cgroup_create(path, &err);
	cleanup_res struct spec_resources *a = res("{\"unified\":{\"cgroup.max.descendants\":\"7\"}}");
	if (!cg_hier_v2()) {
		ok(cgroup_apply_resources(path, a, false, &err) < 0 && strstr(err.msg, "invalid configuration: cannot use unified on cgroup v1"),
		   "v1-only host: unified is an error: %s", err.msg);
		cgroup_destroy(path, &err);
		return;
	}
	ok(cgroup_apply_resources(path, a, false, &err) == 0, "cgroup.max.descendants: %s", err.msg);
	const struct cg_hier *h = cg_hier_v2();
	cleanup_free char *dir = cg_dir(h, path);
	char buf[32] = "";
	cg_read(dir, "cgroup.max.descendants", buf, sizeof(buf), NULL);
	ok(strcmp(buf, "7\n") == 0, "written: %s", buf);
	static const char *const bad[] = { "cgroup.procs", "../memory.max", "memory", "cgroup.subtree_control",
					   "pids.max/x", "nosuch.file" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char json[128];
		snprintf(json, sizeof(json), "{\"unified\":{\"%s\":\"1\"}}", bad[i]);
		/* The parser already refuses some names; the rest reach the cgroup code. */
		ward_error_clear(&err);
		cleanup_res struct spec_resources *b = spec_parse_resources(json, strlen(json), "t", &err);
		ok(!b || cgroup_apply_resources(path, b, false, &err) < 0, "unified %s refused: %s",
		   bad[i], err.msg);
	}
	cleanup_res struct spec_resources *m = res("{\"unified\":{\"memory.max\":\"1000000\"}}");
	if (cg_hier_v1("memory"))
		ok(cgroup_apply_resources(path, m, false, &err) < 0 && strstr(err.msg, "cgroup v1"),
		   "hybrid: a v1 controller's key is refused: %s", err.msg);
	else
		ok(cgroup_apply_resources(path, m, false, &err) == 0, "memory.max through unified: %s",
		   err.msg);
	cgroup_destroy(path, &err);
}

/* checkBeforeUpdate, the OOM killer, its counters and notification. */
static void test_memory_behaviour(void)
{
	struct ward_error err = { 0 };
	char pathbuf[160];

	if (!have_root_cgroups() || !cg_controller_hier("memory")) {
		ok(1, "# SKIP needs root and a memory controller");
		return;
	}
	snprintf(pathbuf, sizeof(pathbuf), "%s/m", base);
	cleanup_loc struct cgroup_loc *path = cgroup_loc_uniform(pathbuf, true);
	cgroup_create(path, &err);
	cleanup_res struct spec_resources *lim = res("{\"memory\":{\"limit\":16777216,\"swap\":16777216}}");
	ok(cgroup_apply_resources(path, lim, true, &err) == 0, "16 MiB limit: %s", err.msg);
	struct cgroup_oom_watch *w = cgroup_oom_watch_open(path, &err);
	ok(w != NULL, "oom watch: %s", err.msg);
	uint64_t before = 99;
	ok(cgroup_oom_kills(path, &before, &err) == 0 && before == 0, "no OOM kill yet");
	struct gated g = gated_child(touch_memory);
	cgroup_join(path, g.pid, &err);
	int ws = release_and_wait(&g);
	ok(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "48 MiB in a 16 MiB cgroup: OOM-killed");
	uint64_t after = 0;
	int got = cgroup_oom_kills(path, &after, &err);
	ok(got == 0 && after >= 1, "oom_kill counted (%llu)", (unsigned long long)after);
	if (w) {
		struct pollfd pfd = { .fd = cgroup_oom_watch_fd(w), .events = POLLIN };
		bool gone = true;
		int n = poll(&pfd, 1, 2000) == 1 ? cgroup_oom_watch_read(w, &gone) : -1;
		ok(n >= 1, "oom notified (%d events)", n);
	}

	/* checkBeforeUpdate: a limit under the current usage is refused. */
	lim->memory->limit.value = 67108864;
	lim->memory->swap.value = 67108864;
	cgroup_apply_resources(path, lim, false, &err);
	int p[2];
	if (pipe(p) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			close(p[1]);
			if (read(p[0], &c, 1) != 1)
				_exit(1);
			size_t len = 24u << 20;
			char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
			(void)m;
			pause();
			_exit(0);
		}
		close(p[0]);
		cgroup_join(path, pid, &err);
		if (write(p[1], "x", 1) != 1)
			diag("gate");
		usleep(300000);
		cleanup_res struct spec_resources *low = res(
			"{\"memory\":{\"limit\":8388608,\"swap\":8388608,\"checkBeforeUpdate\":true}}");
		ok(cgroup_apply_resources(path, low, false, &err) < 0 && strstr(err.msg, "below usage"),
		   "checkBeforeUpdate refuses a limit below usage: %s", err.msg);
		uint64_t kills = 0;
		cgroup_oom_kills(path, &kills, &err);
		ok(kills == after, "and nothing was killed for it");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(p[1]);
	}
	/* Removal ends the watch. */
	ok(cgroup_destroy(path, &err) == 0, "destroy: %s", err.msg);
	if (w) {
		struct pollfd pfd = { .fd = cgroup_oom_watch_fd(w), .events = POLLIN };
		bool gone = false;
		if (poll(&pfd, 1, 2000) == 1)
			cgroup_oom_watch_read(w, &gone);
		ok(gone, "the watch reports the cgroup gone");
		cgroup_oom_watch_close(w);
	}
}

static yajl_val get(yajl_val doc, const char *a, const char *b, const char *c)
{
	const char *p[] = { a, b, c, NULL };
	return yajl_tree_get(doc, p, yajl_t_any);
}

static void test_stats(void)
{
	struct ward_error err = { 0 };
	char pathbuf[160], ebuf[256];
	struct jsonw w;

	if (!have_root_cgroups()) {
		ok(1, "# SKIP needs root and cgroups");
		return;
	}
	snprintf(pathbuf, sizeof(pathbuf), "%s/s", base);
	cleanup_loc struct cgroup_loc *path = cgroup_loc_uniform(pathbuf, true);
	cgroup_create(path, &err);
	cleanup_res struct spec_resources *r = res("{\"memory\":{\"limit\":67108864},\"pids\":{\"limit\":9}}");
	cgroup_apply_resources(path, r, true, &err);
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	cgroup_join(path, child, &err);
	jsonw_init(&w, NULL);
	ok(cgroup_stats_json(path, &w, &err) == 0, "stats: %s", err.msg);
	cleanup_free char *json = jsonw_finish(&w, NULL);
	yajl_val doc = json ? yajl_tree_parse(json, ebuf, sizeof(ebuf)) : NULL;
	ok(doc != NULL, "stats are JSON");
	if (doc) {
		yajl_val lim = get(doc, "memory", "usage", "limit");
		ok(lim && YAJL_IS_INTEGER(lim) && YAJL_GET_INTEGER(lim) == 67108864,
		   "memory.usage.limit is the limit");
		ok(get(doc, "cpu", "usage", "kernel") && get(doc, "cpu", "usage", "user") &&
			   get(doc, "cpu", "throttling", NULL),
		   "cpu usage and throttling");
		yajl_val pl = get(doc, "pids", "limit", NULL), pc = get(doc, "pids", "current", NULL);
		ok(pl && YAJL_GET_INTEGER(pl) == 9 && pc && YAJL_GET_INTEGER(pc) == 1,
		   "pids current 1, limit 9");
		ok(get(doc, "memory", "raw", NULL) && get(doc, "blkio", NULL, NULL) &&
			   get(doc, "hugetlb", NULL, NULL) && get(doc, "cpuset", NULL, NULL),
		   "memory.raw, blkio, hugetlb, cpuset present");
		yajl_val ni = get(doc, "network_interfaces", NULL, NULL);
		ok(ni && YAJL_IS_NULL(ni), "network_interfaces null, as runc");
		yajl_tree_free(doc);
	}
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	cleanup_loc struct cgroup_loc *missing = cgroup_loc_uniform("/ward-test/does-not-exist", true);
	ok(cgroup_stats_json(missing, &w, &err) < 0, "no stats for a missing cgroup");
	jsonw_free(&w);
	cgroup_destroy(path, &err);
}

/* clone3(CLONE_INTO_CGROUP) with cgroup_open_v2_dir: the child starts in
 * the cgroup. */
static void test_clone_into_cgroup(void)
{
	struct ward_error err = { 0 };
	char pathbuf[160];

	if (geteuid() != 0 || !cg_hier_v2()) {
		ok(1, "# SKIP needs root and cgroup2");
		return;
	}
	snprintf(pathbuf, sizeof(pathbuf), "%s/clone", base);
	cleanup_loc struct cgroup_loc *path = cgroup_loc_uniform(pathbuf, true);
	cgroup_create(path, &err);
	int fd = cgroup_open_v2_dir(path, &err);
	ok(fd >= 0, "open v2 dir: %s", err.msg);
	struct clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD,
				   .cgroup = (uint64_t)fd };
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0) {
		char buf[512];
		int cfd = open("/proc/self/cgroup", O_RDONLY);
		ssize_t n = cfd >= 0 ? read(cfd, buf, sizeof(buf) - 1) : -1;
		buf[n > 0 ? n : 0] = '\0';
		_exit(strstr(buf, pathbuf) ? 0 : 1);
	}
	int ws = 0;
	if (pid > 0)
		waitpid((pid_t)pid, &ws, 0);
	ok(pid > 0 && WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "child born in %s", pathbuf);
	close(fd);
	cgroup_destroy(path, &err);
}

/* update's merge: set fields replace, others stay; lists keyed merge. */
static void test_merge(void)
{
	struct ward_error err = { 0 };
	const char *cfg = "{\"ociVersion\":\"1.0.2\",\"linux\":{\"resources\":{"
			  "\"memory\":{\"limit\":100,\"reservation\":50},\"cpu\":{\"shares\":10,\"cpus\":\"0\"},"
			  "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":1}],"
			  "\"unified\":{\"a.b\":\"1\"},"
			  "\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}}}";
	cleanup_spec struct spec *s = spec_parse(cfg, strlen(cfg), "cfg", &err);
	cleanup_res struct spec_resources *u = res(
		"{\"memory\":{\"limit\":-1},\"cpu\":{\"quota\":5},"
		"\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":2},{\"pageSize\":\"1GB\",\"limit\":3}],"
		"\"unified\":{\"a.b\":\"2\",\"c.d\":\"3\"}}");
	struct spec_resources *m = NULL;
	unsigned what = 9;

	ok(s && u && update_merge(s, u, &m, &what, &err) == 0, "merge: %s", err.msg);
	if (!m)
		return;
	ok(m->memory->limit.value == -1 && m->memory->swap.set && m->memory->swap.value == -1,
	   "limit -1 without swap: swap -1 too");
	ok(m->memory->reservation.value == 50, "reservation kept");
	ok(m->cpu->shares.value == 10 && m->cpu->quota.value == 5 && strcmp(m->cpu->cpus, "0") == 0,
	   "cpu: shares and cpus kept, quota set");
	ok(m->n_hugepage_limits == 2 && m->hugepage_limits[0].limit == 2 &&
		   strcmp(m->hugepage_limits[1].page_size, "1GB") == 0,
	   "hugepage limits merged by size");
	ok(m->unified.len == 2 && strcmp(m->unified.items[0].value, "2") == 0, "unified merged by key");
	ok(m->n_devices == 1 && what == 0, "devices untouched without device rules");
	size_t len;
	cleanup_free char *out = spec_emit(s, false, &len, &err);
	ok(out && strstr(out, "\"quota\":5") && strstr(out, "\"1GB\""), "the merged config emits");
}

int main(void)
{
	snprintf(base, sizeof(base), "/ward-test/cgunit-%d", (int)getpid());
	/* Warnings (ignored fields) stay out of the TAP stream. */
	ward_log_init("/dev/null", false, false, NULL);
	diag("cgroup mode: %s", cgroup_mode_name(cgroup_detect_mode()));
	test_conversions();
	test_parsers();
	test_device_model();
	test_merge();
	test_bpf_devices();
	test_writes();
	test_unified();
	test_memory_behaviour();
	test_stats();
	test_clone_into_cgroup();
	if (have_root_cgroups()) {
		struct ward_error err = { 0 };
		cleanup_loc struct cgroup_loc *all = cgroup_loc_uniform(base, true);
		ok(cgroup_destroy(all, &err) == 0 && !cgroup_exists(all), "test cgroups removed: %s",
		   err.msg);
		/* The shared parent only when empty (plain rmdir). */
		for (size_t i = 0; i < cg_hier_count(); i++) {
			cleanup_free char *d = cg_dir_path(cg_hier_at(i), "/ward-test");
			if (d)
				rmdir(d);
		}
	}
	return tap_done();
}
