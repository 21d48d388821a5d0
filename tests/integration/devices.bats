#!/usr/bin/env bats
# /dev: the default devices (config-linux.md "Default Devices"), the /dev
# symlinks, /dev/pts, and linux.devices.

load helpers

setup() { setup_bundle; }
teardown() { teardown_bundle; }

@test "the default devices exist with the right type, major:minor and mode" {
	set_cmd 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done'
	run ward run ct
	assert_success
	assert_output "/dev/null character special file 1:3 666
/dev/zero character special file 1:5 666
/dev/full character special file 1:7 666
/dev/random character special file 1:8 666
/dev/urandom character special file 1:9 666
/dev/tty character special file 5:0 666"
}

@test "the default devices work" {
	set_cmd 'head -c 3 /dev/zero | od -An -tx1; echo x > /dev/null && echo null-ok; dd if=/dev/zero of=/dev/full bs=1 count=1 2>&1 | head -n 1; head -c 8 /dev/urandom | wc -c'
	run ward run ct
	assert_line -n 0 " 00 00 00"
	assert_line -n 1 "null-ok"
	assert_output_contains "No space left on device"
	assert_line -n 3 "8"
	[ "${#lines[@]}" -eq 4 ] || fail "expected 4 lines"
}

@test "the /dev symlinks point into /proc/self/fd and /dev/pts" {
	set_cmd 'for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done'
	run ward run ct
	assert_success
	assert_output "fd -> /proc/self/fd
stdin -> /proc/self/fd/0
stdout -> /proc/self/fd/1
stderr -> /proc/self/fd/2
ptmx -> pts/ptmx"
}

@test "/dev/pts is a private devpts instance" {
	set_cmd 'ls /dev/pts; stat -c "%F" /dev/pts/ptmx'
	run ward run ct
	assert_success
	assert_output $'ptmx\ncharacter special file'
}

@test "host devices that were not asked for are absent" {
	set_cmd 'for d in /dev/mem /dev/kmsg /dev/vda /dev/sda /dev/loop0 /dev/console; do [ -e $d ] && echo "present $d"; done; echo checked'
	run ward run ct
	assert_success
	assert_output checked
}

@test "linux.devices creates a character device with mode and owner" {
	update_config '.linux.devices = [{"path": "/dev/mydev", "type": "c", "major": 1, "minor": 3, "fileMode": 416, "uid": 1000, "gid": 1000}]'
	set_cmd 'stat -c "%F %t:%T %a %u:%g" /dev/mydev'
	run ward run ct
	assert_success
	assert_output "character special file 1:3 640 1000:1000"
}

@test "linux.devices creates block devices and fifos, with parent dirs" {
	update_config '.linux.devices = [{"path": "/dev/sub/blk", "type": "b", "major": 7, "minor": 0}, {"path": "/dev/fifo", "type": "p"}]'
	set_cmd 'stat -c "%F %t:%T" /dev/sub/blk; stat -c "%F" /dev/fifo'
	run ward run ct
	assert_success
	assert_output $'block special file 7:0\nfifo'
}

@test "/dev is a small tmpfs owned by the container" {
	set_cmd 'awk "\$5 == \"/dev\" { for (i = 7; \$i != \"-\"; i++); print \$(i+1), \$6 }" /proc/self/mountinfo'
	run ward run ct
	assert_success
	[[ "$output" == "tmpfs "* ]] || fail "$output"
	[[ ",${output#* }," == *,nosuid,* ]] || fail "/dev without nosuid: $output"
}
