#!/usr/bin/env bats
# checkpoint/restore with a criu that works on this kernel: run in the test
# guest by tests/run.sh (lane vm-criu, see README "Checkpoint and restore");
# skipped where `criu check` fails, unless WARD_TEST_REQUIRE_CRIU=1.

load helpers

criu_usable() {
	local mark=$WARD_TEST_TMP/criu-check
	if [ ! -f "$mark" ]; then
		if criu check >"$mark.out" 2>&1; then echo ok >"$mark"; else echo no >"$mark"; fi
	fi
	[ "$(cat "$mark")" = ok ]
}

setup() {
	# A dump or restore takes seconds under the test guest's emulation
	# (TCG), and restores sharing the host network take turns.
	: "${WARD_TEST_WATCHDOG:=420}"
	requires_ward "checkpoint with ward's bundle layout"
	# The guest lane of tests/run.sh sets WARD_TEST_REQUIRE_CRIU=1: there a
	# criu that cannot work is a failure, not a reason to skip.
	if ! command -v criu >/dev/null; then
		[ "${WARD_TEST_REQUIRE_CRIU:-0}" = 1 ] && fail "criu is not installed"
		skip "criu is not installed"
	fi
	if ! criu_usable; then
		[ "${WARD_TEST_REQUIRE_CRIU:-0}" = 1 ] && fail "criu check fails: $(tail -n 5 "$WARD_TEST_TMP/criu-check.out")"
		skip "criu check fails on this kernel ($(uname -r)): $(grep -m1 Error "$WARD_TEST_TMP/criu-check.out")"
	fi
	setup_bundle
	# The host network: criu 3.17 cannot dump a network namespace's links
	# on the guest kernel (README, "Checkpoint and restore").
	update_config '.linux.namespaces |= map(select(.type != "network"))'
	OUT=$TEST_DIR/out
	: >"$OUT"
}
teardown() { teardown_bundle; }

# run_piped ID [ARGS]: `run -d` with the container's stdout on a pipe whose
# reader appends to $OUT (criu cannot reopen a host file the container
# does not see; a pipe is handed over at restore, as a shim's would be).
run_piped() {
	local id=$1
	shift
	bg_start sh -c '"$0" --root "$1" run -d "$2" </dev/null 2>&1 | cat >>"$3"' \
		"$WARD" "$WARD_ROOT" "$id" "$OUT"
	wait_for_container 200 0.1 "$id" running
}

# restore_piped ID ARGS...: the same for restore -d.
restore_piped() {
	local id=$1
	shift
	bg_start sh -c 'w=$0 r=$1 id=$2 out=$3; shift 4; "$w" --root "$r" restore -d "$@" "$id" </dev/null 2>&1 | cat >>"$out"' \
		"$WARD" "$WARD_ROOT" "$id" "$OUT" -- "$@"
	wait_for_container 300 0.1 "$id" running
}

# A second recvtty: listening on SOCKET, the terminal's output into OUT.
start_recvtty_at() {
	local bin
	bin=$(_recvtty_bin) || return 1
	bg_start "$bin" -n -p "$1.pid" "$1" >"$2" </dev/null
	wait_for_file 100 0.05 "$1.pid"
}

loop_cmd='i=0; while :; do echo n$i; i=$((i+1)); sleep 0.1; done'

# The loop's counter as printed last (in $OUT, or in FILE).
log_n() { grep -o '^n[0-9]*' "$1" | tail -n 1 | tr -d n; }
last_n() { log_n "$OUT"; }

wait_for_n() {
	local want=$1 i
	for ((i = 0; i < 200; i++)); do
		[ "$(last_n)" -ge "$want" ] 2>/dev/null && return 0
		sleep 0.1
	done
	fail "the loop did not reach $want (output: $(tail -n 3 "$OUT"))"
}

@test "checkpoint and restore a running shell loop: output continues, same pid inside" {
	set_cmd "$loop_cmd"
	run_piped c1
	wait_for_n 3
	run ward exec c1 sh -c 'echo $PPID; ls -l /proc/1/exe'
	assert_success
	run ward checkpoint --image-path "$TEST_DIR/img" c1
	assert_success
	run ward state c1
	assert_failure # deleted after the dump, as runc does
	[ -f "$TEST_DIR/img/descriptors.json" ] && [ -f "$TEST_DIR/img/dump.log" ]
	before=$(last_n)

	restore_piped c1 --image-path "$TEST_DIR/img"
	wait_for_n $((before + 3))
	# Counting on from where it stopped, never from 0 again.
	[ "$(grep -c '^n0$' "$OUT")" -eq 1 ]
	run ward exec c1 sh -c 'cat /proc/1/cmdline | tr "\0" " "'
	assert_success
	assert_output_contains "while :"
	run ward ps c1
	assert_success
	assert_output_contains "sh -c"
	run ward state c1
	assert_success
	[ "$(jq -r .status <<<"$output")" = running ]
	pid=$(jq -r .pid <<<"$output")
	pid_alive "$pid"
	run ward kill c1 KILL
	assert_success
	wait_for_container 100 0.1 c1 stopped
	run ward delete c1
	assert_success
}

@test "checkpoint --leave-running, then restore under a new id" {
	set_cmd "$loop_cmd"
	run_piped c1
	wait_for_n 2
	run ward checkpoint --leave-running --image-path "$TEST_DIR/img" c1
	assert_success
	[ "$(container_status c1)" = running ]
	run ward delete -f c1
	assert_success
	restore_piped c2 --image-path "$TEST_DIR/img"
	n=$(last_n)
	wait_for_n $((n + 2))
	[ "$(container_status c2)" = running ]
	[ -d /sys/fs/cgroup/"$CGROUP_PARENT/$TEST_NAME-main" ]
}

@test "pre-dump, then a dump on top of it" {
	set_cmd "$loop_cmd"
	run_piped c1
	wait_for_n 2
	run ward checkpoint --pre-dump --image-path "$TEST_DIR/pre" c1
	assert_success
	[ "$(container_status c1)" = running ]
	run ward checkpoint --parent-path ../pre --image-path "$TEST_DIR/final" c1
	assert_success
	[ -L "$TEST_DIR/final/parent" ] || [ -e "$TEST_DIR/final/parent" ]
	n=$(last_n)
	restore_piped c1 --image-path "$TEST_DIR/final"
	wait_for_n $((n + 2))
}

@test "a container with a terminal: the restored pty goes to the console socket" {
	update_config '.process.terminal = true'
	set_cmd 'i=0; while :; do echo tty$i; i=$((i+1)); sleep 0.2; done'
	start_recvtty
	run ward_detached run -d --console-socket "$CONSOLE_SOCKET" c1
	assert_success
	for i in $(seq 100); do grep -q tty2 "$TTY_OUT" && break; sleep 0.1; done
	run ward checkpoint --image-path "$TEST_DIR/img" c1
	assert_success
	first_out=$TTY_OUT
	start_recvtty_at "$TEST_DIR/console2.sock" "$TEST_DIR/tty2.out"
	run ward_detached restore -d --console-socket "$TEST_DIR/console2.sock" --image-path "$TEST_DIR/img" c1
	assert_success
	wait_for_file 100 0.1 "$TEST_DIR/tty2.out"
	run ward exec c1 sh -c 'readlink /proc/1/fd/1'
	assert_output_contains /dev/pts/
	# the counter goes on from where the first console saw it stop
	for i in $(seq 100); do grep -q tty "$TEST_DIR/tty2.out" && break; sleep 0.1; done
	last1=$(grep -o 'tty[0-9]*' "$first_out" | tail -n 1 | tr -d ty)
	first2=$(grep -o 'tty[0-9]*' "$TEST_DIR/tty2.out" | head -n 1 | tr -d ty)
	# (a line still in the pty's buffer at the dump may come out again)
	[ "$last1" -ge 2 ] && [ "$first2" -ge "$last1" ]
}

@test "bind mounts and masked paths come back" {
	bind_host_dir
	set_cmd 'i=0; while :; do echo $i >/host/count; i=$((i+1)); sleep 0.1; done'
	run_piped c1
	wait_for_file 100 0.1 "$HOST_DIR/count"
	run ward checkpoint --image-path "$TEST_DIR/img" c1
	assert_success
	n=$(cat "$HOST_DIR/count")
	restore_piped c1 --image-path "$TEST_DIR/img"
	sleep 1
	[ "$(cat "$HOST_DIR/count")" -gt "$n" ]
	run ward exec c1 sh -c 'wc -c </proc/kcore; grep " /host " /proc/self/mountinfo'
	assert_success
	assert_line -n 0 0
	assert_output_contains /host
}

@test "the restored container is held by its bundle's memory limit" {
	update_config '.linux.resources.memory = {"limit": 67108864}'
	set_cmd "$loop_cmd"
	run_piped c1
	wait_for_n 1
	run ward checkpoint --image-path "$TEST_DIR/img" c1
	assert_success
	# The new bundle asks for less: the restored tasks live under it.
	update_config '.linux.resources.memory = {"limit": 50331648}'
	restore_piped c1 --image-path "$TEST_DIR/img"
	cg=/sys/fs/cgroup/$CGROUP_PARENT/$TEST_NAME-main
	[ "$(cat "$cg/memory.max")" = 50331648 ]
	pid=$(container_pid c1)
	grep -q "$CGROUP_PARENT/$TEST_NAME-main" "/proc/$pid/cgroup"
	# and the limit holds: a shell holding 80 MB in a variable is killed
	run ward exec c1 sh -c 'v=$(head -c 80000000 /dev/zero | tr "\0" a); echo survived ${#v}'
	refute_output_contains survived
	[ "$(awk '$1 == "oom_kill" { print $2 }' "$cg/memory.events")" -gt 0 ]
}

@test "one image restored into 3 sandboxes at once, each on its own" {
	set_cmd "$loop_cmd"
	run_piped c1
	wait_for_n 2
	run ward checkpoint --image-path "$TEST_DIR/img" c1
	assert_success
	sum_before=$(cd "$TEST_DIR/img" && cat ./*.img | md5sum)
	for i in 0 1 2; do
		mkdir -p "$TEST_DIR/b$i"
		cp -a "$BUNDLE/rootfs" "$TEST_DIR/b$i/rootfs"
		jq --arg cg "/$CGROUP_PARENT/$TEST_NAME-s$i" --arg h "sandbox$i" \
			'.linux.cgroupsPath = $cg | .hostname = $h' "$BUNDLE/config.json" >"$TEST_DIR/b$i/config.json"
	done
	# All three at once; each restored loop prints to its own log (the
	# restoring caller's stdout).
	pids=()
	for i in 0 1 2; do
		"$WARD" --root "$WARD_ROOT" restore -d -b "$TEST_DIR/b$i" --image-path "$TEST_DIR/img" \
			--work-path "$TEST_DIR/work$i" "s$i" </dev/null >"$TEST_DIR/r$i.log" 2>&1 &
		pids+=($!)
	done
	# These restores only: a bare `wait` would also wait for the watchdog.
	for i in 0 1 2; do
		wait "${pids[$i]}" || fail "restore s$i: $(grep -v '^n[0-9]' "$TEST_DIR/r$i.log" | tail -n 5)"
	done
	for i in 0 1 2; do
		[ "$(container_status "s$i")" = running ] || fail "s$i: $(tail -n 5 "$TEST_DIR/r$i.log")"
		run ward exec "s$i" hostname
		assert_output "sandbox$i"
		pid=$(container_pid "s$i")
		grep -q "$CGROUP_PARENT/$TEST_NAME-s$i\$" "/proc/$pid/cgroup"
		[ "$(ward state "s$i" | jq -r .bundle)" = "$TEST_DIR/b$i" ]
		[ -s "$TEST_DIR/work$i/restore.log" ]
	done
	# each has its own pid on the host
	[ "$(for i in 0 1 2; do container_pid "s$i"; done | sort -u | wc -l)" -eq 3 ]
	# Independent: with s0 killed, s1 and s2 go on counting.
	run ward kill s0 KILL
	assert_success
	wait_for_container 100 0.1 s0 stopped
	for i in 1 2; do
		n=$(log_n "$TEST_DIR/r$i.log")
		[ -n "$n" ] || fail "s$i printed nothing: $(tail -n 5 "$TEST_DIR/r$i.log")"
		for ((t = 0; t < 200; t++)); do
			m=$(log_n "$TEST_DIR/r$i.log")
			[ "$m" -ge $((n + 2)) ] && break
			sleep 0.1
		done
		[ "$m" -ge $((n + 2)) ] || fail "s$i stopped counting at $m after s0 was killed"
		[ "$(container_status "s$i")" = running ]
	done
	# the image was only read
	[ "$(cd "$TEST_DIR/img" && cat ./*.img | md5sum)" = "$sum_before" ]
	[ ! -e "$TEST_DIR/img/restore.log" ]
}

@test "a listening TCP socket survives checkpoint and restore" {
	port=$((20000 + RANDOM % 20000))
	mkdir -p "$BUNDLE/rootfs/www"
	echo warm >"$BUNDLE/rootfs/www/index.html"
	set_cmd "httpd -f -p 127.0.0.1:$port -h /www"
	run_piped c1
	for i in $(seq 50); do wget -q -O - "http://127.0.0.1:$port/" 2>/dev/null && break; sleep 0.1; done
	run ward checkpoint --image-path "$TEST_DIR/img" c1
	assert_success
	run wget -q -O - "http://127.0.0.1:$port/"
	assert_failure
	restore_piped c1 --image-path "$TEST_DIR/img"
	run wget -q -O - "http://127.0.0.1:$port/"
	assert_success
	assert_output warm
}

@test "the shim: Checkpoint dumps a running task, a Create from its image restores it at Start" {
	local shim_bin addr sock out2=$TEST_DIR/out2
	shim_bin=$(dirname "$WARD")/containerd-shim-ward-v2
	[ -x "$shim_bin" ] || skip "no containerd-shim-ward-v2 beside $WARD"
	command -v python3 >/dev/null || skip "python3 is not installed"
	set_cmd "$loop_cmd"
	# the shim on its own (no containerd: no events), driven over ttrpc
	addr=$(cd "$BUNDLE" && env -u TTRPC_ADDRESS "$shim_bin" -namespace "$CGROUP_PARENT" \
		-address "$TEST_DIR/none.sock" -id c1 start </dev/null)
	sock=${addr#unix://}
	[ -S "$sock" ] || fail "no shim socket in '$addr'"
	run timeout 600 python3 "$SRC_DIR/tests/tools/ttrpc_probe.py" "$sock" dump-restore c1 "$BUNDLE" \
		"$TEST_DIR/img" "$OUT" "$out2"
	echo "$output"
	assert_success
	assert_line "Checkpoint 0 "
	[ -f "$TEST_DIR/img/descriptors.json" ] || fail "no image in $TEST_DIR/img"
	assert_line "Create 0 pid=0"
	assert_output_matches "State 0 status=2 pid=[1-9]"
	assert_line "Wait 0 exit_status=137"
	# the restored loop counts on from where the dump stopped it
	local before first
	before=$(last_n)
	first=$(grep -o '^n[0-9]*' "$out2" | head -n 1 | tr -d n)
	[ -n "$first" ] || fail "no output from the restored task"
	[ "$first" -gt "$before" ] || fail "restored output starts at n$first, the dump stopped after n$before"
}
