# shim/: containerd-shim-ward-v2, the containerd runtime v2 shim.
SHIM_PROTOS = shim/proto/common.proto shim/proto/task.proto shim/proto/events.proto shim/proto/metrics.proto
SHIM_PB_C = $(SHIM_PROTOS:.proto=.pb-c.c)
SHIM_PB_H = $(SHIM_PROTOS:.proto=.pb-c.h)
BUILT_SOURCES += $(SHIM_PB_C) $(SHIM_PB_H)
CLEANFILES += $(SHIM_PB_C) $(SHIM_PB_H)
EXTRA_DIST += $(SHIM_PROTOS)

# protoc-c writes next to the import root: generate into the build tree
shim/proto/%.pb-c.c shim/proto/%.pb-c.h: $(top_srcdir)/shim/proto/%.proto
	@$(MKDIR_P) shim/proto
	$(AM_V_GEN)$(PROTOC_C) -I$(top_srcdir)/shim/proto --c_out=shim/proto $<

noinst_LIBRARIES += libwardshim.a
libwardshim_a_SOURCES = \
	shim/shim.h shim/loop.c shim/ttrpc.c shim/task.c shim/process.c shim/runtime.c \
	shim/io.c shim/events.c shim/oom.c shim/metrics.c shim/mount.c shim/util.c shim/log.c \
	shim/options.c shim/shim_cgroup.c shim/checkpoint.c shim/info.c
nodist_libwardshim_a_SOURCES = $(SHIM_PB_C) $(SHIM_PB_H)
libwardshim_a_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)

bin_PROGRAMS += containerd-shim-ward-v2
containerd_shim_ward_v2_SOURCES = shim/main.c
containerd_shim_ward_v2_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
containerd_shim_ward_v2_LDADD = libwardshim.a $(WARD_LINK_LIBS)
containerd_shim_ward_v2_LDFLAGS = $(WARD_LINK_LDFLAGS)
