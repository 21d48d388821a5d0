# runtime/: the ward binary and its library.
noinst_LIBRARIES += libward.a
libward_a_SOURCES =

bin_PROGRAMS += ward
ward_SOURCES = runtime/main.c
ward_LDADD = libward.a libwardspec.a $(WARD_LINK_LIBS)
ward_LDFLAGS = $(WARD_LINK_LDFLAGS)

# security and process attributes
libward_a_SOURCES += \
	runtime/security.h runtime/procfs_write.c \
	runtime/uts.c runtime/net.c runtime/sysctl.c runtime/rlimits.c runtime/oom.c \
	runtime/personality.c runtime/sched.c runtime/lsm.c runtime/user.c \
	runtime/caps.c runtime/seccomp.c runtime/seccomp_cache.c runtime/seccomp_enosys.c runtime/exec.c \
	runtime/passwd.h runtime/passwd.c

# create, start, run
libward_a_SOURCES += \
	runtime/container.c runtime/spawn.h runtime/process.c runtime/init.c \
	runtime/namespaces.c runtime/namespaces.h runtime/userns.c \
	runtime/sync.c runtime/sync.h runtime/terminal.c runtime/terminal.h runtime/exe.c \
	runtime/cmd_create.c runtime/cmd_start.c runtime/cmd_run.c

# cli, state, commands
libward_a_SOURCES += \
	runtime/cli.c runtime/cli.h runtime/log.c runtime/log.h runtime/jsonw.c runtime/jsonw.h \
	runtime/state.c runtime/state.h runtime/state_config.c runtime/proc.c \
	runtime/hooks.c runtime/signals.c runtime/signals_reset.c runtime/signals.h \
	runtime/cgroup.c runtime/cgroup_join.c runtime/cgroup.h runtime/cgroup_priv.h runtime/cgroup_v1.c runtime/cgroup_v2.c \
	runtime/cmd_state.c runtime/cmd_kill.c runtime/cmd_delete.c runtime/cmd_list.c \
	runtime/cmd_spec.c runtime/cmd_features.c
dist_man_MANS += runtime/ward.8

# filesystem
libward_a_SOURCES += \
	runtime/safepath.c runtime/mountopts.c runtime/mountopts.h runtime/mountfd.c runtime/mountfd.h \
	runtime/fs.h runtime/mounts.c runtime/mounts_cgroup.c runtime/copyup.c runtime/devices.c \
	runtime/masked.c runtime/rootfs.c

# landlock
libward_a_SOURCES += runtime/landlock.c runtime/landlock.h

# resource control and the inspection commands (cgroups)
libward_a_SOURCES += \
	runtime/cgroup_files.c runtime/cgroup_res.c runtime/cgroup_v1_res.c runtime/cgroup_v2_res.c \
	runtime/cgroup_devices.c runtime/cgroup_devices_v1.c runtime/cgroup_devices_bpf.c \
	runtime/cgroup_stats.c runtime/cgroup_oom.c runtime/cgroup_cmds.h runtime/update_merge.c \
	runtime/cmd_ps.c runtime/cmd_pause.c runtime/cmd_update.c runtime/cmd_events.c

# id-mapped mounts (runtime/idmap.c)
libward_a_SOURCES += runtime/idmap.c runtime/mountsrc.c

# exec, and the foreground relay shared with run
libward_a_SOURCES += \
	runtime/cmd_exec.c runtime/exec_process.c runtime/exec_process.h \
	runtime/foreground.c runtime/foreground.h

# the node policy: evaluation, rules, audit log, `ward policy`
libward_a_SOURCES += \
	runtime/policy_eval.h runtime/policy.c runtime/policy_reserved.c runtime/audit.c \
	runtime/policy_rules_process.c runtime/policy_rules_isolation.c \
	runtime/policy_rules_host.c runtime/policy_rules_limits.c runtime/policy_uidrange.c \
	runtime/policy_egress.c runtime/egress.h runtime/egress_prog.c runtime/egress.c \
	runtime/cmd_policy.c

# checkpoint and restore through criu's RPC service (criu swrk)
libward_a_SOURCES += \
	runtime/criu_rpc.c runtime/criu_rpc.h runtime/checkpoint.c runtime/restore.c \
	runtime/checkpoint.h runtime/checkpoint_rpc.c runtime/checkpoint_rpc.h runtime/cmd_checkpoint.c runtime/cmd_restore.c
nodist_libward_a_SOURCES = runtime/criu/rpc.pb-c.c runtime/criu/rpc.pb-c.h
BUILT_SOURCES += runtime/criu/rpc.pb-c.c runtime/criu/rpc.pb-c.h
CLEANFILES += runtime/criu/rpc.pb-c.c runtime/criu/rpc.pb-c.h
EXTRA_DIST += runtime/criu/rpc.proto
runtime/criu/rpc.pb-c.c: $(top_srcdir)/runtime/criu/rpc.proto
	$(AM_V_GEN)$(MKDIR_P) runtime/criu && \
	$(PROTOC_C) --proto_path=$(top_srcdir)/runtime/criu --c_out=runtime/criu $(top_srcdir)/runtime/criu/rpc.proto
runtime/criu/rpc.pb-c.h: runtime/criu/rpc.pb-c.c
