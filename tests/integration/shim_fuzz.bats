#!/usr/bin/env bats
# The shim's ttrpc frame and protobuf decoding under libFuzzer (clang
# -fsanitize=fuzzer,address,undefined), for a short run: no crash, no leak,
# no sanitizer report.

load helpers

@test "shim fuzz: ttrpc frames and Task messages decode without faults" {
	command -v clang >/dev/null || skip "clang is not installed"
	local b=$WARD_BUILD_DIR
	[ -f "$b/shim/proto/task.pb-c.c" ] || skip "shim not built in $b"
	local out=$BATS_FILE_TMPDIR/fuzz_ttrpc
	run clang -g -O1 -fsanitize=fuzzer,address,undefined -I"$SRC_DIR" -I"$b" \
		"$SRC_DIR"/tests/fuzz/fuzz_ttrpc.c "$SRC_DIR"/shim/ttrpc.c "$SRC_DIR"/shim/loop.c \
		"$SRC_DIR"/shim/util.c "$SRC_DIR"/shim/log.c "$b"/shim/proto/*.pb-c.c \
		$(pkg-config --cflags --libs libprotobuf-c) -o "$out"
	assert_success
	mkdir -p "$BATS_FILE_TMPDIR/corpus"
	# seeds: a State request, an oversize header, a truncated frame
	printf '\x00\x00\x00\x2a\x00\x00\x00\x01\x01\x00\x0a\x17containerd.task.v2.Task\x12\x05State\x1a\x04\x0a\x02id' \
		>"$BATS_FILE_TMPDIR/corpus/state"
	printf '\x7f\xff\xff\xff\x00\x00\x00\x01\x01\x00' >"$BATS_FILE_TMPDIR/corpus/big"
	printf '\x00\x00\x00\x10\x00\x00\x00\x03\x01\x00\x0a\x05' >"$BATS_FILE_TMPDIR/corpus/cut"
	run "$out" -max_total_time="${WARD_FUZZ_SECONDS:-20}" -rss_limit_mb=1024 -max_len=65536 \
		"$BATS_FILE_TMPDIR/corpus" 2>&1 </dev/null
	echo "$output" | tail -n 5
	assert_success
	assert_output_contains "Done"
}
