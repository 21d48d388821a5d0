# spec/: the OCI config model (pure: no process or syscall code).
noinst_LIBRARIES += libwardspec.a
libwardspec_a_SOURCES = \
	spec/error.c spec/error.h \
	spec/cleanup.h \
	spec/spec.h
libwardspec_a_SOURCES += \
	spec/json.c spec/json_access.c spec/json.h \
	spec/parse_internal.h spec/parse_util.c \
	spec/parse.c spec/parse_process.c spec/parse_mounts_hooks.c \
	spec/parse_linux.c spec/parse_resources.c spec/parse_seccomp.c \
	spec/validate.c \
	spec/emit_internal.h spec/emit.c spec/emit_linux.c \
	spec/default.c spec/default_seccomp.c \
	spec/free.c spec/names.c \
	spec/policy.h spec/parse_policy.c

# ward's default seccomp profile: contrib/seccomp/default.json is the one
# source; it is compiled in as a byte array that default_seccomp.c parses.
spec_profile_json = $(top_srcdir)/contrib/seccomp/default.json
nodist_libwardspec_a_SOURCES = spec/default_seccomp_profile.h
BUILT_SOURCES += spec/default_seccomp_profile.h
CLEANFILES += spec/default_seccomp_profile.h spec/default_seccomp_profile.h.tmp
EXTRA_DIST += spec/embed-file.sh contrib/seccomp/default.json
spec/default_seccomp.$(OBJEXT): spec/default_seccomp_profile.h
spec/default_seccomp_profile.h: $(spec_profile_json) $(top_srcdir)/spec/embed-file.sh
	$(AM_V_GEN)$(MKDIR_P) spec && \
	$(SHELL) $(top_srcdir)/spec/embed-file.sh default_seccomp_profile $(spec_profile_json) >$@.tmp && \
	mv -f $@.tmp $@
