#!/usr/bin/env bats
# --help, help, --version and usage errors.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

COMMANDS=(create delete features kill list run spec start state)

@test "--help lists every command and exits 0" {
	local c
	for flag in --help -h; do
		run "$WARD" "$flag"
		assert_success
		assert_output_contains "USAGE:"
		for c in "${COMMANDS[@]}"; do
			assert_output_matches "
   $c( |,)"
		done
	done
}

@test "help with no command prints the same as --help" {
	run "$WARD" --help
	local expected=$output
	run "$WARD" help
	assert_success
	assert_output "$expected"
}

@test "each command has its own --help" {
	local c
	for c in "${COMMANDS[@]}"; do
		run "$WARD" "$c" --help
		assert_success
		assert_output_contains "USAGE:"
		assert_output_matches "NAME:
   [a-z]+ $c - "
		run "$WARD" "$c" -h
		assert_success
		assert_output_contains "USAGE:"
	done
}

@test "help COMMAND prints that command's help" {
	run "$WARD" create --help
	local expected=$output
	run "$WARD" help create
	assert_success
	assert_output "$expected"
}

@test "create and run document runc's options" {
	local c o
	for c in create run; do
		run "$WARD" "$c" --help
		for o in --bundle --console-socket --pid-file --no-pivot --no-new-keyring --preserve-fds; do
			assert_output_contains "$o"
		done
	done
	run "$WARD" run --help
	assert_output_contains "--detach"
	run "$WARD" delete --help
	assert_output_contains "--force"
	run "$WARD" kill --help
	assert_output_contains "--all"
}

@test "--version prints the version, commit and OCI spec version" {
	# ward's text differs from runc's on purpose (its own name and version);
	# the line layout is runc's, which tools parse.
	run "$WARD" --version
	assert_success
	if is_ward; then
		assert_output_matches "^ward version [0-9]+\.[0-9]+\.[0-9]+"
	else
		assert_output_matches "^runc version [0-9]+\.[0-9]+\.[0-9]+"
	fi
	assert_output_matches "
commit: [^
]+"
	assert_output_matches "
spec: [0-9]+\.[0-9]+\.[0-9]+"
	local long=$output
	run "$WARD" -v
	assert_success
	assert_output "$long"
}

@test "an unknown command fails and names it" {
	run "$WARD" frobnicate
	assert_failure 3
	assert_output_contains "frobnicate"
}

@test "an unknown option fails with exit 1 and names it" {
	run ward create --no-such-flag ct
	assert_failure 1
	assert_output_contains "no-such-flag"
	run "$WARD" --no-such-global list
	assert_failure 1
	assert_output_contains "no-such-global"
}

@test "a missing option value is a usage error" {
	run ward create ct --bundle
	assert_failure 1
}
