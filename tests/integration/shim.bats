#!/usr/bin/env bats
# containerd-shim-ward-v2 driven by a real containerd 1.6 (private paths):
# run, exec, tty, stdio loggers, events, pause/resume, metrics, OOM, one
# shim per pod, the runtime swapped for runc through BinaryName, and the
# faults (shim killed, containerd restarted, hostile ttrpc clients).

load helpers
load shim_helpers

setup_file() {
	ctrd_start
}

teardown_file() {
	ctrd_stop
}

setup() {
	[ -n "${SHIM_TRACE:-}" ] && { exec 9>>"$SHIM_TRACE"; BASH_XTRACEFD=9; set -x; }
	setup_bundle
	CTR=(ctr --address "$CTRD_DIR/containerd.sock" --namespace "$CGROUP_PARENT")
	CT_ID=$TEST_NAME-shim
	ROOTFS=$BUNDLE/rootfs
	RT_ROOT=/run/containerd/ward/$CGROUP_PARENT
	echo "$RT_ROOT $CT_ID" >>"$CTRD_DIR/ids"
}

teardown() {
	local id
	# a test that stopped containerd and failed before restarting it
	[ -f "$CTRD_DIR/containerd.pid" ] || ctrd_run
	# a slow runtime's held call ends
	[ -z "${SLOW_DIR:-}" ] || : >"$SLOW_DIR/release"
	for id in "$CT_ID" "$CT_ID-2"; do
		timeout 20 "${CTR[@]}" task kill -s SIGKILL "$id" >/dev/null 2>&1
		timeout 20 "${CTR[@]}" task delete -f "$id" >/dev/null 2>&1
		timeout 20 "${CTR[@]}" container delete "$id" >/dev/null 2>&1
	done
	teardown_bundle
}

# wrun [CTR RUN OPTIONS...] -- ARGS...: run through the ward shim
wrun() {
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	"${CTR[@]}" run "${opts[@]}" --runtime io.containerd.ward.v2 --rootfs "$ROOTFS" "$CT_ID" "$@"
}

wait_status() { # ID STATUS
	local i
	for ((i = 0; i < 100; i++)); do
		"${CTR[@]}" task ls | grep -qE "^$1 .*$2" && return 0
		sleep 0.1
	done
	"${CTR[@]}" task ls >&2
	return 1
}

task_pid() {
	"${CTR[@]}" task ls | awk -v id="$1" '$1 == id { print $2 }'
}

shim_of() { # the shim serving container ID: its bundle's address file
	local addr
	addr=$(cat "$CTRD_DIR/state/io.containerd.runtime.v2.task/$CGROUP_PARENT/$1/address") || return 1
	echo "${addr#unix://}"
}

# a runtime that records each call's arguments in $TEST_DIR/argv.log, then
# runs ward; $TEST_DIR/argv.toml names it as BinaryName
argv_runtime() {
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/argv.log"\nexec "%s" "$@"\n' "$TEST_DIR" "$WARD" >"$TEST_DIR/ward-argv"
	chmod +x "$TEST_DIR/ward-argv"
	printf 'BinaryName = "%s"\n' "$TEST_DIR/ward-argv" >"$TEST_DIR/argv.toml"
}

criu_works() { command -v criu >/dev/null && criu check >/dev/null 2>&1; }

probe() { /usr/bin/python3 "$SRC_DIR/tests/tools/ttrpc_probe.py" "$@"; }

@test "shim: run --rm prints the output and returns the exit status" {
	run wrun --rm -- /bin/sh -c 'echo hello; echo oops >&2; exit 3'
	assert_failure 3
	assert_output_contains hello
	assert_output_contains oops
	# the shim is gone once its last container is
	[ -z "$(ctrd_shim_pids)" ] || fail "shim still running: $(ctrd_shim_pids)"
}

@test "shim: stdin reaches the container and its close is seen (CloseIO)" {
	run bash -c "printf 'a\nb\n' | $(printf '%q ' "${CTR[@]}") run --rm --runtime io.containerd.ward.v2 --rootfs '$ROOTFS' '$CT_ID' /bin/sh -c 'wc -l'"
	assert_success
	assert_output_matches '^ *2$'
}

@test "shim: a signalled process exits with 128+signal" {
	# (pid 1 of a pid namespace ignores its own SIGTERM: use an exec)
	run wrun -d -- /bin/sleep 1000
	assert_success
	run "${CTR[@]}" task exec --exec-id sig "$CT_ID" /bin/sh -c 'kill -TERM $$'
	assert_failure 143
}

@test "shim: the runtime's error reaches ctr" {
	run wrun --rm -- /no/such/binary
	assert_failure
	assert_output_contains "/no/such/binary"
	run "$WARD" --root "$RT_ROOT" state "$CT_ID"
	assert_failure
}

@test "shim: detached task: exec, exec -t, ps, pause, resume, metrics, kill, delete" {
	run wrun -d -- /bin/sleep 1000
	assert_success
	wait_status "$CT_ID" RUNNING
	local pid
	pid=$(task_pid "$CT_ID")
	run "$WARD" --root "$RT_ROOT" state "$CT_ID"
	assert_success
	[ "$(jq -r .pid <<<"$output")" = "$pid" ] || fail "runtime pid $(jq -r .pid <<<"$output") != task pid $pid"

	run "${CTR[@]}" task exec --exec-id e1 "$CT_ID" /bin/sh -c 'echo out; echo err >&2; exit 7'
	assert_failure 7
	assert_output_contains out
	assert_output_contains err

	run script -qec "$(printf '%q ' "${CTR[@]}") task exec -t --exec-id e2 $CT_ID /bin/sh -c 'tty; echo tty-ok'" /dev/null
	assert_success
	assert_output_contains /dev/pts/
	assert_output_contains tty-ok

	"${CTR[@]}" task exec -d --exec-id e3 "$CT_ID" /bin/sleep 500 >/dev/null 2>&1 &
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$("${CTR[@]}" task ps "$CT_ID" | grep -c e3)" = 1 ] && break
		sleep 0.1
	done
	run "${CTR[@]}" task ps "$CT_ID"
	assert_success
	assert_output_contains "$pid"
	assert_output_contains e3

	run "${CTR[@]}" task pause "$CT_ID"
	assert_success
	wait_status "$CT_ID" PAUSED
	run "${CTR[@]}" task resume "$CT_ID"
	assert_success
	wait_status "$CT_ID" RUNNING

	run "${CTR[@]}" task metrics "$CT_ID"
	assert_success
	assert_output_matches 'memory.usage_in_bytes +[1-9]'
	assert_output_matches 'pids.current +[1-9]'

	run "${CTR[@]}" task kill -s SIGKILL "$CT_ID"
	assert_success
	wait_status "$CT_ID" STOPPED
	run "${CTR[@]}" task delete "$CT_ID"
	assert_success
	assert_output_contains 137
	run "$WARD" --root "$RT_ROOT" state "$CT_ID"
	assert_failure
	kill -0 "$pid" 2>/dev/null && fail "container init $pid survived"
	return 0
}

@test "shim: --log-uri file:// and binary:// receive the output" {
	run wrun --rm --log-uri "file://$TEST_DIR/out.log" -- /bin/sh -c 'echo to-file; echo to-file-err >&2'
	assert_success
	run cat "$TEST_DIR/out.log"
	assert_output_contains to-file
	assert_output_contains to-file-err

	cat >"$TEST_DIR/logger" <<-'SH'
		#!/bin/sh
		# a containerd binary logger: stdout on fd 3, stderr on fd 4, ready on fd 5
		exec 5>&-
		cat <&3 >>"$2.out" &
		cat <&4 >>"$2.err"
		wait
		echo "$CONTAINER_NAMESPACE/$CONTAINER_ID $1" >>"$2.out"
	SH
	chmod +x "$TEST_DIR/logger"
	run wrun --rm --log-uri "binary://$TEST_DIR/logger?file=$TEST_DIR/bin" -- /bin/sh -c 'echo to-bin; echo to-bin-err >&2'
	assert_success
	local i
	for ((i = 0; i < 50; i++)); do grep -q "$CT_ID" "$TEST_DIR/bin.out" 2>/dev/null && break; sleep 0.1; done
	run cat "$TEST_DIR/bin.out"
	assert_output_contains to-bin
	assert_output_contains "$CGROUP_PARENT/$CT_ID file"
	run cat "$TEST_DIR/bin.err"
	assert_output to-bin-err
}

@test "shim: ctr events shows every task topic in order" {
	"${CTR[@]}" events >"$TEST_DIR/events" 2>&1 &
	local evpid=$!
	sleep 0.3
	wrun -d -- /bin/sleep 1000
	"${CTR[@]}" task exec --exec-id ev1 "$CT_ID" /bin/true
	"${CTR[@]}" task pause "$CT_ID"
	"${CTR[@]}" task resume "$CT_ID"
	"${CTR[@]}" task kill -s SIGKILL "$CT_ID"
	wait_status "$CT_ID" STOPPED
	"${CTR[@]}" task delete "$CT_ID" >/dev/null
	sleep 0.5
	kill "$evpid"
	run grep -oE '/tasks/[a-z-]+ \{"container_id":"'"$CT_ID"'"' "$TEST_DIR/events"
	local topics
	topics=$(echo "$output" | awk '{print $1}' | tr '\n' ' ')
	[ "$topics" = "/tasks/create /tasks/start /tasks/exec-added /tasks/exec-started /tasks/exit /tasks/paused /tasks/resumed /tasks/exit /tasks/delete " ] ||
		fail "topics: $topics"
}

@test "shim: a memory-limited task that overruns its limit reports OOM" {
	[ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || skip "no memory controller"
	"${CTR[@]}" events >"$TEST_DIR/events" 2>&1 &
	local evpid=$!
	sleep 0.3
	run wrun --rm --memory-limit 16777216 -- /bin/sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1'
	assert_failure 137
	# the shim sends TaskOOM before TaskExit; `ctr events` may print it a
	# moment after `ctr run` has returned
	local i
	for i in $(seq 50); do
		grep -qF "/tasks/oom {\"container_id\":\"$CT_ID\"}" "$TEST_DIR/events" && break
		sleep 0.2
	done
	kill "$evpid"
	run grep -F "/tasks/oom {\"container_id\":\"$CT_ID\"}" "$TEST_DIR/events"
	assert_success
	# and before the exit
	local oom exit
	oom=$(grep -nF "/tasks/oom {\"container_id\":\"$CT_ID\"}" "$TEST_DIR/events" | head -n 1 | cut -d: -f1)
	exit=$(grep -nF "/tasks/exit {\"container_id\":\"$CT_ID\"" "$TEST_DIR/events" | head -n 1 | cut -d: -f1)
	[ -z "$exit" ] || [ "$oom" -lt "$exit" ] || fail "TaskOOM after TaskExit: $(cat "$TEST_DIR/events")"
}

@test "shim: containers of one pod share one shim" {
	local pod=$TEST_NAME-pod
	wrun -d --annotation "io.kubernetes.cri.sandbox-id=$pod" -- /bin/sleep 1000
	"${CTR[@]}" run -d --runtime io.containerd.ward.v2 --annotation "io.kubernetes.cri.sandbox-id=$pod" \
		--rootfs "$ROOTFS" "$CT_ID-2" /bin/sleep 1000
	[ "$(shim_of "$CT_ID")" = "$(shim_of "$CT_ID-2")" ] || fail "two sockets"
	run ctrd_shim_pids
	[ "${#lines[@]}" = 1 ] || fail "shims: ${lines[*]}"
	# the shim outlives the first container's removal
	"${CTR[@]}" task kill -s SIGKILL "$CT_ID"
	wait_status "$CT_ID" STOPPED
	"${CTR[@]}" task delete "$CT_ID"
	run "${CTR[@]}" task exec --exec-id x "$CT_ID-2" /bin/sh -c 'echo still-served'
	assert_success
	assert_output still-served
}

@test "shim: BinaryName = runc drives runc instead (runtime options)" {
	command -v runc >/dev/null || skip "runc is not installed"
	local root=$CTRD_DIR/runc-root
	printf 'BinaryName = "%s"\nRoot = "%s"\n' "$(command -v runc)" "$root" >"$TEST_DIR/opts.toml"
	echo "$root/$CGROUP_PARENT $CT_ID" >>"$CTRD_DIR/ids"
	run wrun --rm --runtime-config-path "$TEST_DIR/opts.toml" -- /bin/sh -c 'echo via-runc; exit 4'
	assert_failure 4
	assert_output via-runc
	run wrun -d --runtime-config-path "$TEST_DIR/opts.toml" -- /bin/sleep 1000
	assert_success
	run runc --root "$root/$CGROUP_PARENT" state "$CT_ID"
	assert_success
	run "${CTR[@]}" task exec --exec-id r1 "$CT_ID" /bin/sh -c 'echo exec-via-runc'
	assert_output exec-via-runc
	run "$WARD" --root "$RT_ROOT" state "$CT_ID"
	assert_failure
}

@test "shim: SIGKILL of the shim: containerd's delete path cleans up" {
	run wrun -d -- /bin/sleep 1000
	assert_success
	local pid shim sock
	pid=$(task_pid "$CT_ID")
	shim=$(ctrd_shim_pids)
	sock=$(shim_of "$CT_ID")
	[ -n "$shim" ] || fail "no shim"
	kill -9 $shim
	wait_status "$CT_ID" STOPPED || true
	local i
	for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && fail "container init $pid still running"
	# the dead shim's socket goes too (the shim's delete removes it)
	for ((i = 0; i < 50; i++)); do [ -e "$sock" ] || break; sleep 0.1; done
	[ ! -e "$sock" ] || fail "the killed shim's socket $sock is left"
	run "$WARD" --root "$RT_ROOT" state "$CT_ID"
	assert_failure
	"${CTR[@]}" task delete "$CT_ID" >/dev/null 2>&1 || true
	run "${CTR[@]}" container delete "$CT_ID"
	assert_success
}

@test "shim: containerd restarts: the task keeps running and its exit still arrives" {
	run wrun -d -- /bin/sh -c 'sleep 2; exit 9'
	assert_success
	local pid
	wait_status "$CT_ID" RUNNING
	pid=$(task_pid "$CT_ID")
	ctrd_kill
	kill -0 "$pid" || fail "task $pid died with containerd"
	sleep 2.5 # the task exits while containerd is away
	ctrd_run
	run "${CTR[@]}" task ls
	assert_output_matches "$CT_ID +$pid +STOPPED"
	run "${CTR[@]}" task delete "$CT_ID"
	assert_success
	assert_output_contains 9
}

@test "shim: hostile ttrpc clients get errors, others keep being served" {
	run wrun -d -- /bin/sleep 1000
	assert_success
	local sock
	sock=$(shim_of "$CT_ID")
	local probe=$SRC_DIR/tests/tools/ttrpc_probe.py
	run /usr/bin/python3 "$probe" "$sock" unknown
	assert_success
	run /usr/bin/python3 "$probe" "$sock" oversize
	assert_success
	run /usr/bin/python3 "$probe" "$sock" truncated
	assert_success
	run /usr/bin/python3 "$probe" "$sock" garbage
	assert_success
	# a Wait that blocks does not hold up the next request on that connection
	run /usr/bin/python3 "$probe" "$sock" concurrent "$CT_ID"
	assert_success
	run "${CTR[@]}" task exec --exec-id after "$CT_ID" /bin/sh -c 'echo alive'
	assert_success
	assert_output alive
}

@test "shim: repeated runs leave no process, mount or socket behind" {
	local before_mounts i
	before_mounts=$(wc -l </proc/self/mountinfo)
	for ((i = 0; i < 20; i++)); do
		"${CTR[@]}" run --rm --runtime io.containerd.ward.v2 --rootfs "$ROOTFS" "$CT_ID-$i" /bin/true ||
			fail "run $i failed"
	done
	[ -z "$(ctrd_shim_pids)" ] || fail "shims left: $(ctrd_shim_pids)"
	[ "$(wc -l </proc/self/mountinfo)" -le "$before_mounts" ] || fail "mounts leaked"
	run "$WARD" --root "$RT_ROOT" list -q
	refute_output_contains "$CT_ID"
}

@test "shim: ctr task checkpoint reaches the runtime; after a failed dump the task runs on" {
	argv_runtime
	run wrun -d --runtime-config-path "$TEST_DIR/argv.toml" -- /bin/sleep 1000
	assert_success
	wait_status "$CT_ID" RUNNING
	local pid bundle=$CTRD_DIR/state/io.containerd.runtime.v2.task/$CGROUP_PARENT/$CT_ID
	pid=$(task_pid "$CT_ID")
	run timeout 120 "${CTR[@]}" task checkpoint "$CT_ID"
	if criu_works; then
		assert_success
	else
		# criu cannot dump on this kernel: its error comes back through the shim
		assert_failure
		assert_output_contains "OCI runtime checkpoint failed"
		assert_output_contains criu
		# criu's log outlives the scratch directory
		[ -s "$bundle/criu-dump.log" ] || fail "no criu-dump.log in the bundle"
	fi
	# a dump that leaves the task running, into the directory containerd made
	grep -E -- " checkpoint --image-path [^ ]+ --work-path $bundle/criu-work --leave-running $CT_ID\$" "$TEST_DIR/argv.log" ||
		fail "no checkpoint call: $(cat "$TEST_DIR/argv.log")"
	[ ! -e "$bundle/criu-work" ] || fail "the scratch work directory is left"
	# ctr paused the task for the dump and resumed it afterwards
	wait_status "$CT_ID" RUNNING
	kill -0 "$pid" || fail "task $pid is gone"
	run "${CTR[@]}" task exec --exec-id after "$CT_ID" /bin/sh -c 'echo alive'
	assert_success
	assert_output alive
}

@test "shim: Checkpoint options become the runtime's flags; bad requests get errors" {
	argv_runtime
	run wrun -d --runtime-config-path "$TEST_DIR/argv.toml" -- /bin/sleep 1000
	assert_success
	wait_status "$CT_ID" RUNNING
	local sock
	sock=$(shim_of "$CT_ID")
	mkdir "$TEST_DIR/img"
	run probe "$sock" checkpoint "$CT_ID" "$TEST_DIR/img" exit=1 open_tcp=1 external_unix_sockets=1 terminal=1 \
		file_locks=1 empty_namespaces=network cgroups_mode=soft work_path="$TEST_DIR/work"
	assert_success
	grep -F -- " checkpoint --image-path $TEST_DIR/img --work-path $TEST_DIR/work --tcp-established --ext-unix-sk --shell-job --file-locks --manage-cgroups-mode soft --empty-ns network $CT_ID" \
		"$TEST_DIR/argv.log" || fail "flags not passed: $(cat "$TEST_DIR/argv.log")"
	if grep -F -- --leave-running "$TEST_DIR/argv.log"; then fail "exit=1 still left the task running"; fi
	if criu_works; then
		assert_output "0 "
		wait_status "$CT_ID" STOPPED
	else
		assert_output_matches '^2 OCI runtime checkpoint failed: .*criu'
		wait_status "$CT_ID" RUNNING
	fi
	run probe "$sock" checkpoint no-such-task "$TEST_DIR/img"
	assert_output_matches '^5 '
	run probe "$sock" checkpoint "$CT_ID" "$TEST_DIR/img" type=example.com/Other
	assert_output_matches '^3 '
}

@test "shim: Create from a checkpoint runs the runtime's restore at Start" {
	argv_runtime
	local shim_bin=$SHIM_DIR/containerd-shim-ward-v2 addr sock pid
	mkdir "$TEST_DIR/img" # an empty image: criu finds nothing to restore
	# a shim of our own, outside containerd (no TTRPC_ADDRESS: no events); its
	# -address names our containerd so that teardown_file finds it if this fails
	addr=$(cd "$BUNDLE" && env -u TTRPC_ADDRESS "$shim_bin" -namespace "$CGROUP_PARENT" \
		-address "$CTRD_DIR/containerd.sock" -id "$CT_ID" start </dev/null)
	sock=${addr#unix://}
	[ -S "$sock" ] || fail "no shim socket in '$addr'"
	run probe "$sock" connect
	pid=${output#0 }
	run probe "$sock" restore "$CT_ID" "$BUNDLE" "$TEST_DIR/img" "$TEST_DIR/argv.toml"
	assert_success
	assert_line "Create 0 pid=0"
	grep -qE '^Start 2 OCI runtime restore failed: .+' <<<"$output" || fail "restore error not surfaced"
	assert_line "State 0 status=1"
	assert_line "Delete 0 "
	grep -q '^State 5 ' <<<"$output" || fail "the task is still there after Delete"
	grep -F -- " restore --detach --bundle $BUNDLE --pid-file $BUNDLE/init.pid --image-path $TEST_DIR/img --work-path $BUNDLE/work $CT_ID" \
		"$TEST_DIR/argv.log" || fail "no restore call: $(cat "$TEST_DIR/argv.log")"
	run "$WARD" --root "$RT_ROOT" state "$CT_ID"
	assert_failure
	local i
	for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && fail "shim $pid did not exit"
	[ ! -e "$sock" ] || fail "socket $sock left"
}

# A runtime stand-in for a host where criu cannot dump: `checkpoint` leaves a
# marker in the image, `restore` from an image holding it is create + start
# of the bundle (the shim's side of a restore that succeeds: pid file, stdio,
# exit); every other command is ward's. $TEST_DIR/fake.toml names it.
fake_criu_runtime() {
	cat >"$TEST_DIR/ward-fake-criu" <<-'EOF'
		#!/bin/bash
		w=@WARD@ g=()
		while [ $# -gt 0 ]; do
			case $1 in
			--root | --log | --log-format | --policy) g+=("$1" "$2") && shift 2 ;;
			*) break ;;
			esac
		done
		cmd=$1 a=() img= id=
		shift
		case $cmd in
		checkpoint | restore)
			while [ $# -gt 0 ]; do
				case $1 in
				--bundle | --pid-file | --console-socket) a+=("$1" "$2") && shift 2 ;;
				--image-path) img=$2 && shift 2 ;;
				--work-path | --manage-cgroups-mode | --empty-ns) shift 2 ;;
				-*) shift ;;
				*) id=$1 && shift ;;
				esac
			done
			if [ "$cmd" = checkpoint ]; then
				echo "$id" >"$img/dumped"
				exit
			fi
			[ -f "$img/dumped" ] || { echo "nothing dumped in $img" >&2; exit 1; }
			"$w" "${g[@]}" create "${a[@]}" "$id" && exec "$w" "${g[@]}" start "$id"
			;;
		*) exec "$w" "${g[@]}" "$cmd" "$@" ;;
		esac
	EOF
	sed -i "s|@WARD@|$WARD|" "$TEST_DIR/ward-fake-criu"
	chmod +x "$TEST_DIR/ward-fake-criu"
	printf 'BinaryName = "%s"\n' "$TEST_DIR/ward-fake-criu" >"$TEST_DIR/fake.toml"
}

@test "shim: a restore that succeeds (runtime stand-in): the task runs, its output arrives, its exit is reported" {
	fake_criu_runtime
	update_config '.process.args = ["/bin/sh", "-c", "echo restored; exec sleep 1000"]'
	mkdir "$TEST_DIR/img"
	echo x >"$TEST_DIR/img/dumped"
	local addr sock shim pid i
	addr=$(cd "$BUNDLE" && env -u TTRPC_ADDRESS "$SHIM_DIR/containerd-shim-ward-v2" -namespace "$CGROUP_PARENT" \
		-address "$CTRD_DIR/containerd.sock" -id "$CT_ID" start </dev/null)
	sock=${addr#unix://}
	run probe "$sock" connect
	shim=${output#0 }
	run probe "$sock" restored "$CT_ID" "$BUNDLE" "$TEST_DIR/img" "$TEST_DIR/fake.toml" "$TEST_DIR/out"
	assert_success
	assert_line "Create 0 pid=0"
	pid=$(awk '$1 == "Start" && $2 == 0 { sub("pid=", "", $3); print $3 }' <<<"$output")
	[ "${pid:-0}" -gt 0 ] || fail "Start gave no pid"
	assert_line "State 0 status=2 pid=$pid"
	assert_line "Kill 0 "
	assert_line "Wait 0 exit_status=137"
	assert_line "Delete 0 exit_status=137"
	grep -qx restored "$TEST_DIR/out" || fail "the restored task's output did not arrive: $(cat "$TEST_DIR/out")"
	for ((i = 0; i < 50; i++)); do kill -0 "$shim" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$shim" 2>/dev/null && fail "shim $shim did not exit"
	run "$WARD" --root "$RT_ROOT" state "$CT_ID"
	assert_failure
}

@test "shim: a checkpoint that succeeds (runtime stand-in): ctr task checkpoint makes an image, the task runs on" {
	fake_criu_runtime
	run wrun -d --runtime-config-path "$TEST_DIR/fake.toml" -- /bin/sleep 1000
	assert_success
	wait_status "$CT_ID" RUNNING
	local pid
	pid=$(task_pid "$CT_ID")
	run timeout 120 "${CTR[@]}" task checkpoint "$CT_ID"
	assert_success
	# containerd stored what the runtime wrote as a checkpoint image
	assert_output_contains "checkpoint/$CT_ID"
	run "${CTR[@]}" images ls -q
	assert_output_contains "checkpoint/$CT_ID"
	"${CTR[@]}" images rm "$(grep "checkpoint/$CT_ID" <<<"$output")" >/dev/null
	wait_status "$CT_ID" RUNNING
	kill -0 "$pid" || fail "task $pid is gone"
}

# the cgroup hierarchies a ShimCgroup test uses: memory and pids on v1, the
# unified root on v2
shim_cg_dirs() { # REL
	if [ -d /sys/fs/cgroup/memory ]; then
		echo "/sys/fs/cgroup/memory/$1" "/sys/fs/cgroup/pids/$1"
	else
		echo "/sys/fs/cgroup/$1"
	fi
}

@test "shim: ShimCgroup puts the shim into that cgroup (runtime options, start's stdin)" {
	local rel=$CGROUP_PARENT/$TEST_NAME-shimcg d shim i
	local dirs=($(shim_cg_dirs "$rel"))
	mkdir -p "${dirs[@]}"
	printf 'ShimCgroup = "/%s"\n' "$rel" >"$TEST_DIR/cg.toml"
	run wrun -d --runtime-config-path "$TEST_DIR/cg.toml" -- /bin/sleep 1000
	assert_success
	shim=$(ctrd_shim_pids)
	[ -n "$shim" ] || fail "no shim"
	for d in "${dirs[@]}"; do
		grep -qx "$shim" "$d/cgroup.procs" || fail "shim $shim is not in $d: $(cat /proc/$shim/cgroup)"
	done
	# only the shim: the container has a cgroup of its own
	grep -qx "$(task_pid "$CT_ID")" "${dirs[0]}/cgroup.procs" && fail "the container joined the shim's cgroup"
	"${CTR[@]}" task kill -s SIGKILL "$CT_ID"
	wait_status "$CT_ID" STOPPED
	"${CTR[@]}" task delete "$CT_ID"
	"${CTR[@]}" container delete "$CT_ID"
	for ((i = 0; i < 50; i++)); do kill -0 "$shim" 2>/dev/null || break; sleep 0.1; done

	# runc's Options message on start's stdin, as containerd sends it for a runc runtime type
	local addr sock
	addr=$(cd "$BUNDLE" && /usr/bin/python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
from ttrpc_probe import field
sys.stdout.buffer.write(field(1, "containerd.runc.v1.Options") + field(2, field(3, sys.argv[2])))
' "$SRC_DIR/tests/tools" "/$rel" | env -u TTRPC_ADDRESS "$SHIM_DIR/containerd-shim-ward-v2" -namespace "$CGROUP_PARENT" \
		-address "$CTRD_DIR/containerd.sock" -id "$CT_ID-2" start)
	sock=${addr#unix://}
	run probe "$sock" connect
	assert_success
	shim=${output#0 }
	for d in "${dirs[@]}"; do
		grep -qx "$shim" "$d/cgroup.procs" || fail "shim $shim (stdin options) is not in $d"
	done
	run probe "$sock" shutdown
	for ((i = 0; i < 50; i++)); do kill -0 "$shim" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$shim" 2>/dev/null && fail "shim $shim did not exit"
	rmdir "${dirs[@]}"

	# a cgroup that does not exist: start fails, saying why, and no shim stays
	printf 'ShimCgroup = "/%s/no-such-%s"\n' "$CGROUP_PARENT" "$TEST_NAME" >"$TEST_DIR/bad.toml"
	run wrun --rm --runtime-config-path "$TEST_DIR/bad.toml" -- /bin/true
	assert_failure
	assert_output_contains "no such cgroup"
	[ -z "$(ctrd_shim_pids)" ] || fail "shim left: $(ctrd_shim_pids)"
}

@test "shim: CloseIO closes the process's stdin while the client still holds the FIFO" {
	run wrun -d -- /bin/sleep 1000
	assert_success
	wait_status "$CT_ID" RUNNING
	run probe "$(shim_of "$CT_ID")" closeio "$CT_ID" "$TEST_DIR"
	echo "$output"
	assert_success
}

@test "shim: -info prints RuntimeInfo: name, version, the runtime's features, the options understood" {
	command -v runc >/dev/null || skip "runc is not installed"
	local shim_bin=$SHIM_DIR/containerd-shim-ward-v2
	# RuntimeInfo{1 name, 2 version{1 version}, 3 options Any, 4 features Any, 5 annotations map}
	local decode='
import json, sys
sys.path.insert(0, sys.argv[1])
from ttrpc_probe import fields, read_varint
b, i, top, ann = sys.stdin.buffer.read(), 0, {}, {}
while i < len(b):
    k, i = read_varint(b, i)
    ln, i = read_varint(b, i)
    v, i = b[i:i + ln], i + ln
    if k >> 3 == 5:
        e = fields(v)
        ann[e[1].decode()] = e[2].decode()
    else:
        top[k >> 3] = v
print("name", top[1].decode())
print("version", fields(top[2])[1].decode())
f = fields(top[4])
print("features", f[1].decode(), " ".join(sorted(json.loads(f[2])["annotations"])))
if 3 in top:
    print("options", fields(top[3])[1].decode())
for k in sorted(ann):
    print(k, ann[k])
'
	run bash -c '"$1" -info </dev/null | /usr/bin/python3 -c "$2" "$3"' _ "$shim_bin" "$decode" "$SRC_DIR/tests/tools"
	assert_success
	assert_line "name io.containerd.ward.v2"
	assert_line "version $("$shim_bin" -v | awk '/Version:/ { print $2 }')"
	assert_output_matches "features types.containerd.io/opencontainers/runtime-spec/1/features/Features .*run.ward.commit"
	assert_line "run.ward.shim.runtime $SHIM_DIR/ward"
	assert_output_matches "run.ward.shim.options .*shim_cgroup.*ShimCgroup"
	assert_output_matches "run.ward.shim.checkpoint-options .*empty_namespaces"
	if grep -q '^options ' <<<"$output"; then fail "options echoed without any given"; fi
	# the options containerd passes on stdin: BinaryName = runc gives runc's features
	run bash -c '/usr/bin/python3 -c "
import sys
sys.path.insert(0, sys.argv[1])
from ttrpc_probe import field
sys.stdout.buffer.write(field(1, \"containerd.runc.v1.Options\") + field(2, field(6, \"runc\")))
" "$3" | "$1" -info | /usr/bin/python3 -c "$2" "$3"' _ "$shim_bin" "$decode" "$SRC_DIR/tests/tools"
	assert_success
	assert_line "options containerd.runc.v1.Options"
	assert_line "run.ward.shim.runtime runc"
	assert_output_matches "features .*org.opencontainers.runc.version"
}

# slow_runtime CMD ID before|after [NEXT]: a runtime that holds `CMD ... ID`
# (before running it, or after: its process then runs meanwhile) until
# $TEST_DIR/release exists (60 s at most), having made $TEST_DIR/hung.CMD;
# every other call goes straight to NEXT (ward). $TEST_DIR/slow.toml names it.
slow_runtime() {
	local next=${4:-$WARD}
	SLOW_DIR=$TEST_DIR
	cat >"$TEST_DIR/ward-slow" <<-EOF
		#!/bin/sh
		hold() {
			: >"$TEST_DIR/hung.$1"
			i=0
			while [ ! -e "$TEST_DIR/release" ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done
		}
		case " \$* " in
		*" $1 $2 " | *" $1 "*" $2 ") ;;
		*) exec "$next" "\$@" ;;
		esac
		[ $3 = before ] && hold
		"$next" "\$@"
		rc=\$?
		[ $3 = after ] && hold
		exit \$rc
	EOF
	chmod +x "$TEST_DIR/ward-slow"
	printf 'BinaryName = "%s"\n' "$TEST_DIR/ward-slow" >"$TEST_DIR/slow.toml"
}

# wait_hung CMD: the slow runtime is holding CMD
wait_hung() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -e "$TEST_DIR/hung.$1" ] && return 0
		sleep 0.1
	done
	fail "the runtime's $1 never started: $(cat "$TEST_DIR"/*.out 2>/dev/null)"
}

# the pod's other task, in the same shim: its State, Pids, Exec and Kill
# are answered at once while the slow call holds (10 s: far less than the
# hold, which only the test ends)
other_task_served() {
	local t0=$SECONDS
	run timeout 10 "${CTR[@]}" task ls
	assert_success
	assert_output_matches "$CT_ID-2 +[0-9]+ +RUNNING"
	run timeout 10 "${CTR[@]}" task ps "$CT_ID-2"
	assert_success
	assert_output_contains "$(task_pid "$CT_ID-2")"
	run timeout 10 "${CTR[@]}" task exec --exec-id served "$CT_ID-2" /bin/echo served
	assert_success
	assert_output served
	run timeout 10 "${CTR[@]}" task kill -s SIGKILL "$CT_ID-2"
	assert_success
	wait_status "$CT_ID-2" STOPPED
	echo "served in $((SECONDS - t0)) s" >&2
}

pod_run_other() { # the pod's second task, plain ward
	"${CTR[@]}" run -d --runtime io.containerd.ward.v2 --annotation "io.kubernetes.cri.sandbox-id=$TEST_NAME-pod" \
		--rootfs "$ROOTFS" "$CT_ID-2" /bin/sleep 1000
	wait_status "$CT_ID-2" RUNNING
}

# the topics of ID's events in $TEST_DIR/events, space separated
topics_of() {
	grep -oE '/tasks/[a-z-]+ \{"container_id":"'"$1"'"' "$TEST_DIR/events" | awk '{print $1}' | tr '\n' ' '
}

@test "shim: a slow Checkpoint holds up nothing else of the pod's shim, then completes" {
	fake_criu_runtime
	slow_runtime checkpoint "$CT_ID" before "$TEST_DIR/ward-fake-criu"
	pod_run_other
	run wrun -d --annotation "io.kubernetes.cri.sandbox-id=$TEST_NAME-pod" --runtime-config-path "$TEST_DIR/slow.toml" -- /bin/sleep 1000
	assert_success
	wait_status "$CT_ID" RUNNING
	[ "$(shim_of "$CT_ID")" = "$(shim_of "$CT_ID-2")" ] || fail "two shims"
	local pid ck
	pid=$(task_pid "$CT_ID")
	timeout 120 "${CTR[@]}" task checkpoint "$CT_ID" >"$TEST_DIR/ck.out" 2>&1 &
	ck=$!
	wait_hung checkpoint
	other_task_served
	kill -0 "$ck" 2>/dev/null || fail "the checkpoint returned while the runtime held it: $(cat "$TEST_DIR/ck.out")"
	: >"$TEST_DIR/release"
	wait "$ck" || fail "checkpoint failed: $(cat "$TEST_DIR/ck.out")"
	grep -q "checkpoint/$CT_ID" "$TEST_DIR/ck.out" || fail "no image: $(cat "$TEST_DIR/ck.out")"
	run "${CTR[@]}" images ls -q
	"${CTR[@]}" images rm $(grep "checkpoint/$CT_ID" <<<"$output") >/dev/null
	wait_status "$CT_ID" RUNNING
	kill -0 "$pid" || fail "task $pid is gone"
}

@test "shim: a slow Create holds up nothing else; TaskCreate, then TaskStart" {
	slow_runtime create "$CT_ID" before
	"${CTR[@]}" events >"$TEST_DIR/events" 2>&1 &
	local evpid=$! cr
	sleep 0.3
	pod_run_other
	wrun -d --annotation "io.kubernetes.cri.sandbox-id=$TEST_NAME-pod" --runtime-config-path "$TEST_DIR/slow.toml" \
		-- /bin/sleep 1000 >"$TEST_DIR/run.out" 2>&1 &
	cr=$!
	wait_hung create
	other_task_served
	kill -0 "$cr" 2>/dev/null || fail "run returned while create was held: $(cat "$TEST_DIR/run.out")"
	: >"$TEST_DIR/release"
	wait "$cr" || fail "run failed: $(cat "$TEST_DIR/run.out")"
	wait_status "$CT_ID" RUNNING
	run timeout 10 "${CTR[@]}" task exec --exec-id after "$CT_ID" /bin/echo alive
	assert_output alive
	sleep 0.5
	kill "$evpid"
	[ "$(topics_of "$CT_ID")" = "/tasks/create /tasks/start /tasks/exec-added /tasks/exec-started /tasks/exit " ] ||
		fail "topics: $(topics_of "$CT_ID")"
}

@test "shim: a slow Start holds up nothing else; an exit meanwhile comes once, after TaskStart" {
	slow_runtime start "$CT_ID" after
	"${CTR[@]}" events >"$TEST_DIR/events" 2>&1 &
	local evpid=$! rr rc=0
	sleep 0.3
	pod_run_other
	# the process exits at once, while `start` is still held
	wrun --annotation "io.kubernetes.cri.sandbox-id=$TEST_NAME-pod" --runtime-config-path "$TEST_DIR/slow.toml" \
		-- /bin/sh -c 'echo quick; exit 3' >"$TEST_DIR/run.out" 2>&1 &
	rr=$!
	wait_hung start
	run timeout 10 "${CTR[@]}" task ls
	assert_success
	assert_output_matches "$CT_ID +[0-9]+ +CREATED"
	other_task_served
	kill -0 "$rr" 2>/dev/null || fail "run returned while start was held: $(cat "$TEST_DIR/run.out")"
	: >"$TEST_DIR/release"
	wait "$rr" || rc=$?
	[ "$rc" = 3 ] || fail "run: status $rc: $(cat "$TEST_DIR/run.out")"
	grep -qx quick "$TEST_DIR/run.out" || fail "output: $(cat "$TEST_DIR/run.out")"
	sleep 0.5
	kill "$evpid"
	[ "$(topics_of "$CT_ID")" = "/tasks/create /tasks/start /tasks/exit /tasks/delete " ] || fail "topics: $(topics_of "$CT_ID")"
}

@test "shim: RPCs on a task wait for its runtime command: Delete after a held Start, State at once" {
	slow_runtime start "$CT_ID" after
	update_config '.process.args = ["/bin/sh", "-c", "exit 3"]'
	local addr sock shim i
	addr=$(cd "$BUNDLE" && env -u TTRPC_ADDRESS "$SHIM_DIR/containerd-shim-ward-v2" -namespace "$CGROUP_PARENT" \
		-address "$CTRD_DIR/containerd.sock" -id "$CT_ID" start </dev/null)
	sock=${addr#unix://}
	run probe "$sock" connect
	shim=${output#0 }
	run probe "$sock" queued "$CT_ID" "$BUNDLE" "$TEST_DIR/slow.toml" "$TEST_DIR/release"
	echo "$output"
	assert_success
	[ -e "$TEST_DIR/hung.start" ] || fail "start was not held"
	# State answers while Start is held; Delete waits for Start, then finds
	# the task exited (its exit kept until Start had returned)
	[ "${lines[1]}" = "State 0 status=1" ] || fail "first reply: ${lines[1]}"
	[[ "${lines[2]}" =~ ^Start\ 0\ pid=[1-9] ]] || fail "second reply: ${lines[2]}"
	[ "${lines[3]}" = "Delete 0 exit_status=3" ] || fail "third reply: ${lines[3]}"
	for ((i = 0; i < 50; i++)); do kill -0 "$shim" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$shim" 2>/dev/null && fail "shim $shim did not exit"
	run "$WARD" --root "$RT_ROOT" state "$CT_ID"
	assert_failure
}

@test "shim: a slow exec holds up nothing else; an exec that exits meanwhile: TaskExecStarted, then its exit, once" {
	slow_runtime exec "$CT_ID" after
	"${CTR[@]}" events >"$TEST_DIR/events" 2>&1 &
	local evpid=$! ex rc=0
	sleep 0.3
	pod_run_other
	run wrun -d --annotation "io.kubernetes.cri.sandbox-id=$TEST_NAME-pod" --runtime-config-path "$TEST_DIR/slow.toml" -- /bin/sleep 1000
	assert_success
	wait_status "$CT_ID" RUNNING
	# the exec's process is gone long before the runtime's exec returns
	"${CTR[@]}" task exec --exec-id quick "$CT_ID" /bin/sh -c 'echo quick; exit 5' >"$TEST_DIR/exec.out" 2>&1 &
	ex=$!
	wait_hung exec
	other_task_served
	kill -0 "$ex" 2>/dev/null || fail "exec returned while the runtime held it: $(cat "$TEST_DIR/exec.out")"
	: >"$TEST_DIR/release"
	wait "$ex" || rc=$?
	[ "$rc" = 5 ] || fail "exec: status $rc: $(cat "$TEST_DIR/exec.out")"
	grep -qx quick "$TEST_DIR/exec.out" || fail "output: $(cat "$TEST_DIR/exec.out")"
	sleep 0.5
	kill "$evpid"
	[ "$(topics_of "$CT_ID")" = "/tasks/create /tasks/start /tasks/exec-added /tasks/exec-started /tasks/exit " ] ||
		fail "topics: $(topics_of "$CT_ID")"
	[ "$(grep -c '/tasks/exit .*"id":"quick"' "$TEST_DIR/events")" = 1 ] || fail "exits: $(cat "$TEST_DIR/events")"
}
