#!/usr/bin/env bats
# A container granted CAP_SYS_PTRACE (and a profile that allows ptrace)
# lies in wait for `ward exec` and seizes the new process the moment it
# appears in the container's pid namespace. It must never catch the
# runtime with more than the process itself will have: by then the
# process already runs as its user, with its capabilities, its seccomp
# filter and no_new_privileges, or has exec'd its program.

load helpers

ATTEMPTS=${WARD_PTRACE_ATTEMPTS:-10}
# WARD_PTRACE_MEASURE=1: count, do not fail (to compare runtimes).
MEASURE=${WARD_PTRACE_MEASURE:-0}

setup() {
	sec_setup
	install_tool exec_tracer
	# The default profile, plus ptrace; the default capabilities, plus
	# CAP_SYS_PTRACE.
	update_config '.linux.seccomp.syscalls[0].names += ["ptrace"]
		| .process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])
		| .process.args = ["sleep", "1000"]'
}
teardown() { sec_teardown; }

# attack: one round; the tracer's report line in $REPORT.
attack() {
	local out=$TEST_DIR/tracer.out i
	: >"$out"
	ward exec -d --pid-file "$TEST_DIR/tracer.pid" ct /exec_tracer /bin/busybox 30 \
		</dev/null >"$out" 2>&1
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$out" && break
		sleep 0.05
	done
	ward exec --user 1000:1000 ct /bin/true || true
	for ((i = 0; i < 20; i++)); do
		grep -q '^caught' "$out" && break
		sleep 0.05
	done
	kill -9 "$(cat "$TEST_DIR/tracer.pid")" 2>/dev/null || true
	REPORT=$(grep '^caught' "$out" || echo missed)
}

# within_final REPORT: the caught process has no more than the exec'd
# process will have: uid 1000, no capability outside $CAPS, the filter, and
# no_new_privileges where the config asks for it.
within_final() {
	local uid capeff seccomp nnp
	uid=$(sed -n 's/.* uid=\([0-9]*\) .*/\1/p' <<<"$1")
	capeff=$(sed -n 's/.* capeff=\([0-9a-f]*\) .*/\1/p' <<<"$1")
	seccomp=$(sed -n 's/.* seccomp=\([0-9]*\) .*/\1/p' <<<"$1")
	nnp=$(sed -n 's/.* nnp=\([0-9]*\) .*/\1/p' <<<"$1")
	[ "$uid" = 1000 ] && [ -n "$capeff" ] && [ "$seccomp" = 2 ] && [ "${nnp:-0}" -ge "$NNP" ] &&
		(((0x$capeff & ~0x$CAPS) == 0))
}

run_attacks() {
	local init caught=0 in_runtime=0 unconfined=0 n
	ward_detached run -d ct
	wait_for_container 50 0.1 ct running
	init=$(container_pid ct)
	CAPS=$(awk '/^CapEff:/ { print $2 }' "/proc/$init/status")
	for ((n = 0; n < ATTEMPTS; n++)); do
		attack
		echo "attempt $n: $REPORT"
		case "$REPORT" in
		caught*target=no*)
			in_runtime=$((in_runtime + 1))
			caught=$((caught + 1))
			# what the process is about to be, nothing more (fewer
			# capabilities is fine: between setuid and capset the set is
			# briefly empty)
			if ! within_final "$REPORT"; then
				unconfined=$((unconfined + 1))
				[ "$MEASURE" = 1 ] || fail "the runtime was caught with more than the process will have (uid=1000 capeff=$CAPS seccomp=2 nnp=$NNP)"
			fi
			;;
		caught*) caught=$((caught + 1)) ;;
		esac
	done
	echo "caught $caught of $ATTEMPTS, $in_runtime in the runtime's code, $unconfined of them unconfined" | tee -a "${WARD_PTRACE_LOG:-/dev/null}"
}

@test "a CAP_SYS_PTRACE container never catches ward exec's child unconfined (noNewPrivileges true)" {
	update_config '.process.noNewPrivileges = true'
	NNP=1
	run_attacks
}

@test "a CAP_SYS_PTRACE container never catches ward exec's child unconfined (noNewPrivileges false)" {
	update_config '.process.noNewPrivileges = false'
	NNP=0
	run_attacks
}
