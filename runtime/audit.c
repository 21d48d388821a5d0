/* The audit log: one JSON line per policy decision, appended with a single
 * write(2) so that lines from concurrent creates never interleave. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "jsonw.h"
#include "log.h"
#include "policy_eval.h"
#include "state.h"

/* mkdir -p of the log's directory (0750: the log names every pod). */
static void make_parent(const char *path)
{
	cleanup_free char *dir = strdup(path);

	if (dir == NULL)
		return;
	for (char *s = strchr(dir + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			return;
		*s = '/';
	}
}

static int open_log(struct policy_eval *x)
{
	const char *path = x->pol->audit_log ? x->pol->audit_log : WARD_POLICY_DEFAULT_AUDIT_LOG;

	if (x->audit_fd >= 0)
		return x->audit_fd;
	x->audit_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (x->audit_fd < 0 && errno == ENOENT) {
		make_parent(path);
		x->audit_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	}
	if (x->audit_fd < 0)
		ward_warn("policy audit log %s: %s", path, strerror(errno));
	return x->audit_fd;
}

static void kv_annotation(struct jsonw *w, const struct spec *s, const char *key, const char *ann)
{
	const char *v = spec_annotation(s, ann);

	if (v)
		jsonw_kv_str(w, key, v);
}

void audit_record(struct policy_eval *x, const char *rule, const char *verdict,
		  const char *field, const char *msg)
{
	cleanup_free char *now = state_timestamp_now();
	cleanup_free char *line = NULL;
	struct jsonw w;
	size_t len;
	int fd;

	jsonw_init(&w, NULL);
	jsonw_obj_open(&w);
	jsonw_kv_str(&w, "time", now ? now : "");
	jsonw_kv_str(&w, "id", x->id ? x->id : "");
	kv_annotation(&w, x->spec, "namespace", CRI_SANDBOX_NAMESPACE);
	kv_annotation(&w, x->spec, "pod", CRI_SANDBOX_NAME);
	kv_annotation(&w, x->spec, "podUid", CRI_SANDBOX_UID);
	kv_annotation(&w, x->spec, "container", CRI_CONTAINER_NAME);
	jsonw_kv_str(&w, "profile", x->prof ? x->prof->name : "");
	jsonw_kv_str(&w, "rule", rule);
	jsonw_kv_str(&w, "verdict", verdict);
	jsonw_kv_str(&w, "field", field);
	jsonw_kv_str(&w, "message", msg);
	jsonw_obj_close(&w);
	line = jsonw_finish(&w, &len);
	if (line == NULL)
		return;
	/* The runtime log too, when there is one (containerd's --log). */
	if (ward_log_fd() >= 0)
		ward_log(strcmp(verdict, "deny") == 0 ? WARD_LOG_WARN : WARD_LOG_INFO, "policy: %s", line);
	fd = open_log(x);
	if (fd < 0)
		return;
	line[len] = '\n';
	if (write(fd, line, len + 1) != (ssize_t)(len + 1))
		ward_warn("policy audit log: %s", strerror(errno));
}
