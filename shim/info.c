/* `-info`: containerd.types.RuntimeInfo on stdout (containerd 1.7+ asks each
 * shim): the name and version, the options it was given, the OCI runtime's
 * `features` JSON, and annotations naming the options this shim understands. */
#include "config.h"
#include "shim/shim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#define FEATURES_TYPE "types.containerd.io/opencontainers/runtime-spec/1/features/Features"

/* `BINARY features` stdout, NULL when it fails (runc before 1.1 has none) */
static char *runtime_features(const char *binary)
{
	int p[2], st;
	size_t len = 0, cap = 8192;
	char *buf;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return NULL;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null < 0 || dup2(null, 0) < 0 || dup2(p[1], 1) < 0 || dup2(null, 2) < 0)
			_exit(127);
		execlp(binary, binary, "features", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	buf = malloc(cap);
	while (buf) {
		ssize_t n = read(p[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len + 1 == cap) {
			char *nb = cap < (1u << 20) ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (buf && (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || !len)) {
		free(buf);
		return NULL;
	}
	if (buf)
		buf[len] = 0;
	return buf;
}

int shim_info(const Wshim__Any *options)
{
	Wshim__RuntimeInfo info = WSHIM__RUNTIME_INFO__INIT;
	Wshim__RuntimeVersion version = WSHIM__RUNTIME_VERSION__INIT;
	Wshim__Any features = WSHIM__ANY__INIT;
	Wshim__RuntimeInfo__AnnotationsEntry ann[3], *annp[3];
	__attribute__((cleanup(opts_free))) struct shim_opts o = { 0 };
	_cleanup_free_ char *binary = NULL, *json = NULL;
	_cleanup_free_ uint8_t *out = NULL;
	size_t n;

	opts_parse(options, &o);
	binary = o.binary ? strdup(o.binary) : rt_default_binary();
	info.name = "io.containerd.ward.v2";
	version.version = SHIM_VERSION;
	version.revision = WARD_GIT_COMMIT;
	info.version = &version;
	if (options && options->type_url && *options->type_url)
		info.options = (Wshim__Any *)options;
	json = runtime_features(binary);
	if (json) {
		features.type_url = FEATURES_TYPE;
		features.value.data = (uint8_t *)json;
		features.value.len = strlen(json);
		info.features = &features;
	}
	for (int i = 0; i < 3; i++) {
		wshim__runtime_info__annotations_entry__init(&ann[i]);
		annp[i] = &ann[i];
	}
	ann[0].key = "run.ward.shim.runtime";
	ann[0].value = binary;
	ann[1].key = "run.ward.shim.options";
	ann[1].value = "containerd.runc.v1.Options: binary_name root shim_cgroup criu_image_path criu_work_path; "
		       "runtimeoptions.v1.Options config_path/config_body lines: BinaryName Root ShimCgroup "
		       "CriuImagePath CriuWorkPath Policy";
	ann[2].key = "run.ward.shim.checkpoint-options";
	ann[2].value = "containerd.runc.v1.CheckpointOptions: exit open_tcp external_unix_sockets terminal "
		       "file_locks empty_namespaces cgroups_mode image_path work_path";
	info.n_annotations = 3;
	info.annotations = annp;
	n = wshim__runtime_info__get_packed_size(&info);
	out = malloc(n + 1);
	if (!out)
		return 1;
	wshim__runtime_info__pack(&info, out);
	return fwrite(out, 1, n, stdout) == n ? 0 : 1;
}
