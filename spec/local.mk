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
	spec/free.c spec/names.c
