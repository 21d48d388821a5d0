/* Bad configs: each must be rejected with exactly this one-line message
 * (file, JSON path, reason), and nothing may leak or crash on the way. */
#include "test_spec_common.h"

/* A valid process object to embed, so each case breaks one thing only. */
#define PROC "'process': {'user': {'uid': 0, 'gid': 0}, 'args': ['sh'], 'cwd': '/'"
#define V "'ociVersion': '1.3.0'"

static const struct {
	const char *json; /* ' stands for " */
	const char *msg;
} cases[] = {
	/* malformed JSON: position and yajl's reason */
	{ "{\n  'ociVersion': '1.0.0',\n  'hostname' 'x'\n}",
	  "config.json: line 3, column 14: invalid JSON: parse error: object key and value must be separated by a colon (':')" },
	{ "{" V "} x", "config.json: line 1, column 25: invalid JSON: parse error: trailing garbage" },
	{ "{" V ",\n", "config.json: line 2, column 1: invalid JSON: parse error: premature EOF" },
	{ "", "config.json: line 1, column 1: invalid JSON: parse error: premature EOF" },
	{ "/* comment */ {" V "}",
	  "config.json: line 1, column 1: invalid JSON: lexical error: probable comment found in input text, comments are not enabled." },
	{ "{" V ", 'hostname': 'a\xff'}",
	  "config.json: line 1, column 39: invalid JSON: lexical error: invalid bytes in UTF8 string." },
	{ "{" V ",\n\t'hostname': tru}",
	  "config.json: line 2, column 14: invalid JSON: lexical error: invalid string in json text." },
	{ "{" V ", 'mounts': [1 2]}",
	  "config.json: line 1, column 38: invalid JSON: parse error: after array element, I expect ',' or ']'" },
	/* document shape */
	{ "[]", "config.json: expected object, got array" },
	{ "{}", "config.json: ociVersion: missing required field" },
	{ "{'ociVersion': 1}", "config.json: ociVersion: expected string, got number" },
	{ "{'ociVersion': ''}", "config.json: ociVersion: must not be empty" },
	{ "{" V ", 'root': {'readonly': true}}", "config.json: root.path: missing required field" },
	{ "{" V ", 'root': {'path': ''}}", "config.json: root.path: must not be empty" },
	{ "{" V ", 'mounts': {}}", "config.json: mounts: expected array, got object" },
	{ "{" V ", 'annotations': {'a': true}}",
	  "config.json: annotations[\"a\"]: expected string, got boolean" },
	{ "{" V ", 'annotations': {'a\\u0000b': 'x'}}",
	  "config.json: annotations[\"a\\u0000b\"]: key contains a NUL byte" },
	/* numbers */
	{ "{" V ", 'process': {'user': {'uid': '0', 'gid': 0}, 'cwd': '/'}}",
	  "config.json: process.user.uid: expected integer, got string" },
	{ "{" V ", 'process': {'user': {'uid': 4294967296, 'gid': 0}, 'cwd': '/'}}",
	  "config.json: process.user.uid: 4294967296 is out of range (0 to 4294967295)" },
	{ "{" V ", 'process': {'user': {'uid': 0, 'gid': -1}, 'cwd': '/'}}",
	  "config.json: process.user.gid: -1 is out of range (0 to 4294967295)" },
	{ "{" V ", 'process': {'user': {'uid': 1.0, 'gid': 0}, 'cwd': '/'}}",
	  "config.json: process.user.uid: expected integer, got 1.0" },
	{ "{" V ", 'process': {'user': {'uid': 1e3, 'gid': 0}, 'cwd': '/'}}",
	  "config.json: process.user.uid: expected integer, got 1e3" },
	{ "{" V ", 'linux': {'resources': {'memory': {'limit': 99999999999999999999}}}}",
	  "config.json: linux.resources.memory.limit: 99999999999999999999 is out of range (-1 to 9223372036854775807)" },
	{ "{" V ", 'linux': {'resources': {'memory': {'limit': '512M'}}}}",
	  "config.json: linux.resources.memory.limit: expected integer, got string" },
	{ "{" V ", 'linux': {'resources': {'memory': {'swappiness': 101}}}}",
	  "config.json: linux.resources.memory.swappiness: 101 is out of range (0 to 100)" },
	{ "{" V ", 'linux': {'resources': {'blockIO': {'weightDevice': [{'major': 8, 'minor': 0, 'weight': 65536}]}}}}",
	  "config.json: linux.resources.blockIO.weightDevice[0].weight: 65536 is out of range (0 to 65535)" },
	{ "{" V ", " PROC ", 'oomScoreAdj': 1001}}",
	  "config.json: process.oomScoreAdj: 1001 is out of range (-1000 to 1000)" },
	{ "{" V ", 'process': {'user': {'uid': 0, 'gid': 0, 'umask': 512}, 'cwd': '/'}}",
	  "config.json: process.user.umask: 512 is out of range (0 to 511)" },
	/* strings */
	{ "{" V ", 'hostname': 'a\\u0000b'}", "config.json: hostname: string contains a NUL byte" },
	/* device nodes only below /dev */
	{ "{" V ", 'linux': {'devices': [{'path': '/etc/x', 'type': 'c', 'major': 1, 'minor': 3}]}}",
	  "config.json: linux.devices[0].path: \"/etc/x\" is not below /dev" },
	{ "{" V ", 'linux': {'devices': [{'path': '/dev/null', 'type': 'c', 'major': 1, 'minor': 3},"
	  " {'path': '/dev/a/../../etc/x', 'type': 'p'}]}}",
	  "config.json: linux.devices[1].path: \"/dev/a/../../etc/x\" is not below /dev" },
	{ "{" V ", 'linux': {'devices': [{'path': '//dev/./', 'type': 'p'}]}}",
	  "config.json: linux.devices[0].path: \"//dev/./\" is not below /dev" },
	{ "{" V ", 'linux': {'devices': [{'path': '/devices/x', 'type': 'p'}]}}",
	  "config.json: linux.devices[0].path: \"/devices/x\" is not below /dev" },
	/* strict UTF-8: what yajl's own check lets through */
	{ "{" V ", 'hostname': 'a\xc0\xaf'}",
	  "config.json: hostname: invalid UTF-8 (overlong encoding) at byte 1" },
	{ "{" V ", 'root': {'path': '/\xe0\x80\xaf'}}",
	  "config.json: root.path: invalid UTF-8 (overlong encoding) at byte 1" },
	{ "{" V ", 'hostname': '\xed\xa0\x80'}",
	  "config.json: hostname: invalid UTF-8 (encoded UTF-16 surrogate) at byte 0" },
	{ "{" V ", 'hostname': '\xf4\x90\x80\x80'}",
	  "config.json: hostname: invalid UTF-8 (code point above U+10FFFF) at byte 0" },
	{ "{" V ", " PROC ", 'env': ['A=1', 'B=\\ud800']}}",
	  "config.json: process.env[1]: unpaired UTF-16 surrogate escape \\ud800" },
	{ "{" V ", " PROC ", 'env': ['B=\\udc00x']}}",
	  "config.json: process.env[0]: unpaired UTF-16 surrogate escape \\udc00" },
	{ "{" V ", 'hostname': '\\udc00\\ud800'}",
	  "config.json: hostname: unpaired UTF-16 surrogate escape \\udc00" },
	{ "{" V ", 'hostname': '\\\\\\ud800\\u0041'}",
	  "config.json: hostname: unpaired UTF-16 surrogate escape \\ud800" },
	{ "{" V ", 'mounts': [{'destination': '/a'}, {'destination': '/b', 'x': {'y\\uDBFF': 1}}]}",
	  "config.json: mounts[1].x: member name: unpaired UTF-16 surrogate escape \\udbff" },
	{ "{" V ", 'annotations': {'k': 'v', '\xc1\xbf': 'x'}}",
	  "config.json: annotations: member name: invalid UTF-8 (overlong encoding) at byte 0" },
	{ "{" V ", 'mounts': [{'destination': '/ok'}, {'destination': '/etc\\u0000/x'}]}",
	  "config.json: mounts[1].destination: string contains a NUL byte" },
	{ "{" V ", " PROC ", 'args': ['sh', 1]}}", "config.json: process.args[1]: expected string, got number" },
	/* process */
	{ "{" V ", 'process': {'user': {'uid': 0, 'gid': 0}, 'cwd': 'tmp'}}",
	  "config.json: process.cwd: must be an absolute path, got \"tmp\"" },
	{ "{" V ", 'process': {'user': {'uid': 0, 'gid': 0}}}", "config.json: process.cwd: missing required field" },
	{ "{" V ", 'process': {'user': {'uid': 0, 'gid': 0, 'uidd': 5}, 'cwd': '/'}}",
	  "config.json: process.user.uidd: unknown field (this object must be fully understood)" },
	{ "{" V ", " PROC ", 'capabilities': {'bounding': ['CAP_KILL'], 'effective': ['CAP_KILL', 'CAP_FOO']}}}",
	  "config.json: process.capabilities.effective[1]: unknown capability \"CAP_FOO\"" },
	{ "{" V ", " PROC ", 'capabilities': {'bouding': ['CAP_KILL']}}}",
	  "config.json: process.capabilities.bouding: unknown field (this object must be fully understood)" },
	{ "{" V ", " PROC ", 'rlimits': [{'type': 'RLIMIT_FILES', 'hard': 1, 'soft': 1}]}}",
	  "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FILES\"" },
	{ "{" V ", " PROC ", 'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1, 'soft': 1}, {'type': 'RLIMIT_NOFILE', 'hard': 2, 'soft': 2}]}}",
	  "config.json: process.rlimits[1].type: duplicate rlimit \"RLIMIT_NOFILE\"" },
	{ "{" V ", " PROC ", 'rlimits': [{'type': 'RLIMIT_NOFILE', 'hard': 1, 'soft': 2}]}}",
	  "config.json: process.rlimits[0].soft: soft limit 2 exceeds hard limit 1" },
	{ "{" V ", " PROC ", 'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 2}]}}",
	  "config.json: process.rlimits[0].hard: missing required field" },
	{ "{" V ", " PROC ", 'ioPriority': {'class': 'IOPRIO_CLASS_RT', 'priority': 8}}}",
	  "config.json: process.ioPriority.priority: 8 is out of range (0 to 7)" },
	{ "{" V ", " PROC ", 'ioPriority': {'class': 'RT', 'priority': 1}}}",
	  "config.json: process.ioPriority.class: unknown I/O priority class \"RT\"" },
	{ "{" V ", " PROC ", 'scheduler': {'policy': 'SCHED_FAST'}}}",
	  "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\"" },
	/* mounts and hooks */
	{ "{" V ", 'mounts': [{'destination': '/proc'}, {'destination': '/dev'}, {'destination': 'tmp'}]}",
	  "config.json: mounts[2].destination: must be an absolute path, got \"tmp\"" },
	{ "{" V ", 'mounts': [{'type': 'tmpfs'}]}", "config.json: mounts[0].destination: missing required field" },
	{ "{" V ", 'mounts': [{'destination': '/d', 'uidMappings': [{'containerID': 0, 'hostID': 1, 'size': 1}]}]}",
	  "config.json: mounts[0].gidMappings: idmapped mounts need both uidMappings and gidMappings" },
	{ "{" V ", 'mounts': [{'destination': '/d', 'gidMappings': [{'containerID': 0, 'hostID': 1, 'size': 1, 'extra': 1}]}]}",
	  "config.json: mounts[0].gidMappings[0].extra: unknown field (this object must be fully understood)" },
	{ "{" V ", 'hooks': {'poststop': [{'path': '/bin/true', 'timeout': 0}]}}",
	  "config.json: hooks.poststop[0].timeout: must be greater than zero, got 0" },
	{ "{" V ", 'hooks': {'createRuntime': [{'path': '/bin/a'}, {'path': 'bin/b'}]}}",
	  "config.json: hooks.createRuntime[1].path: must be an absolute path, got \"bin/b\"" },
	/* linux: namespaces, ids */
	{ "{" V ", 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'net'}]}}",
	  "config.json: linux.namespaces[1].type: unknown namespace type \"net\"" },
	{ "{" V ", 'linux': {'namespaces': [{'type': 'pid'}, {'type': 'mount'}, {'type': 'pid'}]}}",
	  "config.json: linux.namespaces[2].type: duplicate namespace type \"pid\"" },
	{ "{" V ", 'linux': {'namespaces': [{'type': 'network', 'path': 'var/run/netns/x'}]}}",
	  "config.json: linux.namespaces[0].path: must be an absolute path, got \"var/run/netns/x\"" },
	{ "{" V ", 'linux': {'namespaces': [{'type': 'network', 'pth': '/var/run/netns/x'}]}}",
	  "config.json: linux.namespaces[0].pth: unknown field (this object must be fully understood)" },
	{ "{" V ", 'linux': {'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 0}]}}",
	  "config.json: linux.uidMappings[0].size: must be greater than zero" },
	{ "{" V ", 'linux': {'uidMappings': [{'containerID': 0, 'hostID': 4294967295, 'size': 2}]}}",
	  "config.json: linux.uidMappings[0]: hostID + size exceeds the 32-bit id range" },
	{ "{" V ", 'linux': {'gidMappings': [{'containerID': 0, 'hostID': 0}]}}",
	  "config.json: linux.gidMappings[0].size: missing required field" },
	/* linux: devices, sysctl, paths, misc */
	{ "{" V ", 'linux': {'devices': [{'path': '/dev/x', 'type': 'x', 'major': 1, 'minor': 1}]}}",
	  "config.json: linux.devices[0].type: unknown device type \"x\" (expected c, b, u or p)" },
	{ "{" V ", 'linux': {'devices': [{'path': '/dev/x', 'type': 'c', 'minor': 1}]}}",
	  "config.json: linux.devices[0].major: missing required field" },
	{ "{" V ", 'linux': {'devices': [{'path': 'dev/x', 'type': 'p'}]}}",
	  "config.json: linux.devices[0].path: must be an absolute path, got \"dev/x\"" },
	{ "{" V ", 'linux': {'resources': {'devices': [{'allow': true, 'access': 'xa'}]}}}",
	  "config.json: linux.resources.devices[0].access: invalid access \"xa\" (a combination of r, w and m)" },
	{ "{" V ", 'linux': {'resources': {'devices': [{'allow': true, 'access': ''}]}}}",
	  "config.json: linux.resources.devices[0].access: invalid access \"\" (a combination of r, w and m)" },
	{ "{" V ", 'linux': {'resources': {'devices': [{'allow': true, 'type': 'p'}]}}}",
	  "config.json: linux.resources.devices[0].type: unknown device type \"p\" (expected a, b or c)" },
	{ "{" V ", 'linux': {'resources': {'devices': [{'type': 'a'}]}}}",
	  "config.json: linux.resources.devices[0].allow: missing required field" },
	{ "{" V ", 'linux': {'resources': {'hugepageLimits': [{'pageSize': '../2MB', 'limit': 1}]}}}",
	  "config.json: linux.resources.hugepageLimits[0].pageSize: invalid page size \"../2MB\"" },
	{ "{" V ", 'linux': {'resources': {'unified': {'cgroup.procs/../x': '1'}}}}",
	  "config.json: linux.resources.unified[\"cgroup.procs/../x\"]: invalid cgroup file name" },
	{ "{" V ", 'linux': {'sysctl': {'net./../../etc/x': '1'}}}",
	  "config.json: linux.sysctl[\"net./../../etc/x\"]: invalid sysctl name" },
	{ "{" V ", 'linux': {'sysctl': {'net.ipv4.ip_forward': 1}}}",
	  "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got number" },
	{ "{" V ", 'linux': {'timeOffsets': {'monotonic': {'secs': 1, 'nanosecs': 1000000000}}}}",
	  "config.json: linux.timeOffsets.monotonic.nanosecs: 1000000000 is out of range (0 to 999999999)" },
	{ "{" V ", 'linux': {'timeOffsets': {'realtime': {'secs': 1}}}}",
	  "config.json: linux.timeOffsets.realtime: unknown clock (only monotonic and boottime have offsets)" },
	{ "{" V ", 'linux': {'maskedPaths': ['/proc/kcore', 'proc/keys']}}",
	  "config.json: linux.maskedPaths[1]: must be an absolute path, got \"proc/keys\"" },
	{ "{" V ", 'linux': {'rootfsPropagation': 'rshard'}}",
	  "config.json: linux.rootfsPropagation: unknown propagation \"rshard\"" },
	{ "{" V ", 'linux': {'personality': {'domain': 'LINUX64'}}}",
	  "config.json: linux.personality.domain: unknown personality domain \"LINUX64\" (expected LINUX or LINUX32)" },
	{ "{" V ", 'linux': {'personality': {'domain': 'LINUX', 'flags': ['ADDR_NO_RANDOMIZE']}}}",
	  "config.json: linux.personality.flags[0]: unsupported personality flag \"ADDR_NO_RANDOMIZE\"" },
	{ "{" V ", 'linux': {'cgroupsPath': '/ward/../../escape'}}",
	  "config.json: linux.cgroupsPath: must not contain \"..\" components" },
	{ "{" V ", 'linux': {'intelRdt': {'closID': '..'}}}",
	  "config.json: linux.intelRdt.closID: invalid resctrl group name \"..\"" },
	{ "{" V ", 'linux': {'memoryPolicy': {'mode': 'MPOL_RANDOM'}}}",
	  "config.json: linux.memoryPolicy.mode: unknown memory policy mode \"MPOL_RANDOM\"" },
	{ "{" V ", 'linux': {'memoryPolicy': {'nodes': '0'}}}",
	  "config.json: linux.memoryPolicy.mode: missing required field" },
	{ "{" V ", 'linux': {'netDevices': {'eth0': {'name': 'a/b'}}}}",
	  "config.json: linux.netDevices[\"eth0\"].name: invalid network interface name \"a/b\"" },
	{ "{" V ", 'linux': {'netDevices': {'eth0': {'name': 'x'}, 'eth1': {'name': 'x'}}}}",
	  "config.json: linux.netDevices[\"eth1\"]: two devices would be named \"x\" in the container" },
	{ "{" V ", 'linux': {'netDevices': {'averyveryverylongname': {}}}}",
	  "config.json: linux.netDevices[\"averyveryverylongname\"]: invalid network interface name" },
	/* seccomp: fails closed */
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_DENY'}}}",
	  "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_DENY\"" },
	{ "{" V ", 'linux': {'seccomp': {'defaultActoin': 'SCMP_ACT_ALLOW'}}}",
	  "config.json: linux.seccomp.defaultActoin: unknown field (this object must be fully understood)" },
	{ "{" V ", 'linux': {'seccomp': {'architectures': ['SCMP_ARCH_X86_64']}}}",
	  "config.json: linux.seccomp.defaultAction: missing required field" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_Z80']}}}",
	  "config.json: linux.seccomp.architectures[1]: unknown seccomp architecture \"SCMP_ARCH_Z80\"" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'flags': ['SECCOMP_FILTER_FLAG_NEW']}}}",
	  "config.json: linux.seccomp.flags[0]: unknown seccomp flag \"SECCOMP_FILTER_FLAG_NEW\"" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'name': 'mount', 'action': 'SCMP_ACT_ERRNO'}]}}}",
	  "config.json: linux.seccomp.syscalls[0].name: unknown field (this object must be fully understood)" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': [], 'action': 'SCMP_ACT_ERRNO'}]}}}",
	  "config.json: linux.seccomp.syscalls[0].names: must name at least one system call" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['x'], 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 6, 'value': 0, 'op': 'SCMP_CMP_EQ'}]}]}}}",
	  "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0 to 5)" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['x'], 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'value': 0, 'op': 'SCMP_CMP_IN'}]}]}}}",
	  "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator \"SCMP_CMP_IN\"" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['x'], 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': 0, 'value': 0, 'op': 'SCMP_CMP_EQ', 'valuetwo': 1}]}]}}}",
	  "config.json: linux.seccomp.syscalls[0].args[0].valuetwo: unknown field (this object must be fully understood)" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': [{'names': ['mount'], 'action': 'SCMP_ACT_NOTIFY'}]}}}",
	  "config.json: linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_NOTIFY', 'listenerPath': '/run/x.sock'}}}",
	  "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrnoRet': 1}}}",
	  "config.json: linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'syscalls': [{'names': ['x'], 'action': 'SCMP_ACT_ERRNO', 'errnoRet': 65536}]}}}",
	  "config.json: linux.seccomp.syscalls[0].errnoRet: 65536 is out of range (0 to 65535)" },
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'syscalls': {'names': ['x']}}}}",
	  "config.json: linux.seccomp.syscalls: expected array, got object" },
	/* an odd key is quoted in the path */
	{ "{" V ", 'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'bad key\\\"': 1}}}",
	  "config.json: linux.seccomp[\"bad key\\\"\"]: unknown field (this object must be fully understood)" },
};

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);

	for (size_t i = 0; i < n; i++) {
		struct ward_error err = { 0 };
		char *j = dq(cases[i].json);
		struct spec *s = spec_parse(j, strlen(j), "config.json", &err);

		ok(s == NULL, "case %zu rejected", i);
		is_str(err.msg, cases[i].msg, "case %zu message", i);
		spec_free(s);
		free(j);
	}

	/* nesting deeper than the parser allows, inside an ignored field */
	{
		struct ward_error err = { 0 };
		size_t depth = 100000, len = 0;
		char *j = malloc(depth * 2 + 64);

		len += (size_t)sprintf(j, "{\"ociVersion\":\"1.0.0\",\"x\":");
		memset(j + len, '[', depth);
		len += depth;
		memset(j + len, ']', depth);
		len += depth;
		j[len++] = '}';
		struct spec *s = spec_parse(j, len, "deep.json", &err);
		ok(s == NULL, "100000 nested arrays rejected");
		is_str(err.msg, "deep.json: line 1, column 282: invalid JSON: nesting too deep",
		       "nesting message");
		spec_free(s);
		free(j);
	}
	ok(n >= 40, "at least 40 bad configs (%zu)", n);
	return tap_done();
}
