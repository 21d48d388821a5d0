# tests/: C unit tests run by `make check`; bats suites run by tests/run.sh.

# security and process attributes (runtime/caps.c, seccomp.c, exec.c, ...)
check_PROGRAMS += tests/unit/test_security
TESTS += tests/unit/test_security
tests_unit_test_security_SOURCES = tests/unit/test_security.c tests/unit/tap.h
tests_unit_test_security_LDADD = libward.a libwardspec.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(SELINUX_LIBS) $(PROTOBUF_C_LIBS)

# cli, state, commands (runtime/cli.c, state.c, hooks.c, cgroup.c, cmd_*.c)
check_PROGRAMS += tests/unit/test_cli
TESTS += tests/unit/test_cli
tests_unit_test_cli_SOURCES = tests/unit/test_cli.c tests/unit/tap.h
tests_unit_test_cli_LDADD = libward.a libwardspec.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(SELINUX_LIBS) $(PROTOBUF_C_LIBS)

# filesystem (runtime/safepath.c, mounts.c, devices.c, rootfs.c, ...); root for the mount cases
check_PROGRAMS += tests/unit/test_safepath tests/unit/test_rootfs
TESTS += tests/unit/test_safepath tests/unit/test_rootfs
tests_unit_test_safepath_SOURCES = tests/unit/test_safepath.c tests/unit/tap.h
tests_unit_test_safepath_LDADD = libward.a libwardspec.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(SELINUX_LIBS) $(PROTOBUF_C_LIBS) -lpthread
tests_unit_test_rootfs_SOURCES = tests/unit/test_rootfs.c tests/unit/tap.h
tests_unit_test_rootfs_LDADD = libward.a libwardspec.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(SELINUX_LIBS) $(PROTOBUF_C_LIBS)

# spec/ unit tests
spec_test_cppflags = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/unit -DWARD_TEST_SRCDIR='"$(abs_top_srcdir)"'
spec_test_ldadd = libwardspec.a $(YAJL_LIBS)
check_PROGRAMS += tests/unit/test_spec tests/unit/test_spec_bad tests/unit/test_spec_fuzz
TESTS += tests/unit/test_spec tests/unit/test_spec_bad tests/unit/test_spec_fuzz
tests_unit_test_spec_SOURCES = tests/unit/test_spec.c tests/unit/test_spec_common.h tests/unit/tap.h
tests_unit_test_spec_CPPFLAGS = $(spec_test_cppflags)
tests_unit_test_spec_LDADD = $(spec_test_ldadd)
tests_unit_test_spec_bad_SOURCES = tests/unit/test_spec_bad.c tests/unit/test_spec_common.h tests/unit/tap.h
tests_unit_test_spec_bad_CPPFLAGS = $(spec_test_cppflags)
tests_unit_test_spec_bad_LDADD = $(spec_test_ldadd)
tests_unit_test_spec_fuzz_SOURCES = tests/unit/test_spec_fuzz.c tests/unit/test_spec_common.h tests/unit/tap.h
tests_unit_test_spec_fuzz_CPPFLAGS = $(spec_test_cppflags)
tests_unit_test_spec_fuzz_LDADD = $(spec_test_ldadd)
EXTRA_DIST += tests/unit/configs/full.json

# landlock (runtime/landlock.c)
check_PROGRAMS += tests/unit/test_landlock
TESTS += tests/unit/test_landlock
tests_unit_test_landlock_SOURCES = tests/unit/test_landlock.c tests/unit/tap.h
tests_unit_test_landlock_LDADD = libward.a libwardspec.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(SELINUX_LIBS) $(PROTOBUF_C_LIBS)

# resource control (runtime/cgroup*.c, cmd_update.c, cmd_events.c); root for the cgroup cases
check_PROGRAMS += tests/unit/test_cgroup
TESTS += tests/unit/test_cgroup
tests_unit_test_cgroup_SOURCES = tests/unit/test_cgroup.c tests/unit/tap.h
tests_unit_test_cgroup_LDADD = libward.a libwardspec.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(SELINUX_LIBS) $(PROTOBUF_C_LIBS)

# create, start, run (runtime/namespaces.c, sync.c, terminal.c); recvtty is the
# --console-socket receiver of the integration tests
check_PROGRAMS += tests/unit/test_core tests/tools/recvtty
TESTS += tests/unit/test_core
tests_unit_test_core_SOURCES = tests/unit/test_core.c tests/unit/tap.h
tests_unit_test_core_LDADD = libward.a libwardspec.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(SELINUX_LIBS) $(PROTOBUF_C_LIBS)
tests_tools_recvtty_SOURCES = tests/tools/recvtty.c

# seccomp agent for the SCMP_ACT_NOTIFY tests (tests/security/seccomp_notify.bats)
check_PROGRAMS += tests/tools/seccomp_listener
tests_tools_seccomp_listener_SOURCES = tests/tools/seccomp_listener.c
tests_tools_seccomp_listener_LDADD = $(YAJL_LIBS) $(SECCOMP_LIBS)

# start-up benchmark helper (tests/bench/run.sh, `make bench`)
noinst_PROGRAMS += tests/bench/benchtool
tests_bench_benchtool_SOURCES = tests/bench/benchtool.c

# egress filter programs (runtime/egress_prog.c, egress.c); root
check_PROGRAMS += tests/unit/test_egress
TESTS += tests/unit/test_egress
tests_unit_test_egress_SOURCES = tests/unit/test_egress.c tests/unit/tap.h
tests_unit_test_egress_LDADD = libward.a libwardspec.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(SELINUX_LIBS) $(PROTOBUF_C_LIBS)

# node policy decisions (runtime/policy*.c): profile choice, modes, seccomp
# floor, sysctls, host paths, egress list; dry runs, no root needed
check_PROGRAMS += tests/unit/test_policy
TESTS += tests/unit/test_policy
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c tests/unit/tap.h
tests_unit_test_policy_LDADD = libward.a libwardspec.a $(YAJL_LIBS) $(SECCOMP_LIBS) $(CAP_LIBS) $(SELINUX_LIBS) $(PROTOBUF_C_LIBS)
