#!/usr/bin/env bats
# process.env, and the HOME runc adds from /etc/passwd when env lacks one.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "the process environment is exactly process.env plus HOME" {
	update_config '.process.args = ["/usr/bin/env"] | .process.env = ["PATH=/bin", "A=1", "B=two words"]'
	run ward run ct
	assert_success
	run sort <<<"$output"
	assert_output $'A=1\nB=two words\nHOME=/root\nPATH=/bin'
}

@test "HOME comes from /etc/passwd for the process user" {
	update_config '.process.args = ["/bin/sh", "-c", "echo $HOME"] | .process.user = {"uid": 1000, "gid": 1000}'
	run ward run ct
	assert_success
	assert_output /home/nobody
}

@test "an explicit HOME is kept" {
	update_config '.process.args = ["/bin/sh", "-c", "echo $HOME"] | .process.env += ["HOME=/elsewhere"]'
	run ward run ct
	assert_success
	assert_output /elsewhere
}

@test "values keep '=' signs and special characters" {
	update_config '.process.args = ["/bin/sh", "-c", "printf \"%s\\n\" \"$X\" \"$Y\""] | .process.env += ["X=a=b=c", "Y=$(not expanded) ; * \"q\""]'
	run ward run ct
	assert_success
	assert_output $'a=b=c\n$(not expanded) ; * "q"'
}

@test "the caller's environment does not leak into the container" {
	update_config '.process.args = ["/bin/sh", "-c", "echo ${LEAKME:-unset}"]'
	LEAKME=yes run ward run ct
	assert_success
	assert_output unset
}

@test "an empty env still runs an absolute path" {
	update_config '.process.args = ["/usr/bin/env"] | .process.env = []'
	run ward run ct
	assert_success
	assert_output "HOME=/root"
}

@test "PATH in process.env is what resolves args[0]" {
	mkdir -p "$BUNDLE/rootfs/opt/tools"
	printf '#!/bin/sh\necho custom tool\n' >"$BUNDLE/rootfs/opt/tools/mytool"
	chmod 755 "$BUNDLE/rootfs/opt/tools/mytool"
	update_config '.process.args = ["mytool"] | .process.env = ["PATH=/opt/tools:/bin"]'
	run ward run ct
	assert_success
	assert_output "custom tool"
}
