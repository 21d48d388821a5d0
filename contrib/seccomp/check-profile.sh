#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# check-profile.sh [-d] [PROFILE]
#
# Check a seccomp profile (the "linux.seccomp" object of an OCI config,
# default: default.json next to this script):
#   - it is valid JSON with the runtime-spec shape and no unknown keys;
#   - no name repeats inside a rule, and a name with an unconditional rule
#     appears in no other rule;
#   - no rule has the default action (same action and same errno);
#   - no rule compares the same argument twice (runtimes disagree on
#     whether that means AND or OR: runc turns it into OR);
#   - every name is a real system call of a listed architecture for the
#     local libseccomp, libseccomp accepts every rule, and the resulting
#     BPF program fits the kernel's limit.
# With -d, also list the native system calls left to the default action.
#
# Needs jq, a C compiler (CC, default cc) and the libseccomp headers.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
list=
if [ "${1-}" = "-d" ]; then
	list=-d
	shift
fi
profile=${1:-$here/default.json}

command -v jq >/dev/null || { echo "check-profile: jq is required" >&2; exit 2; }

if ! jq -e 'type == "object"' "$profile" >/dev/null; then
	echo "check-profile: $profile: not a JSON object" >&2
	exit 1
fi

# Structural checks: print one line per problem.
problems=$(jq -r '
	def actions: ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
		"SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
		"SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"];
	def ops: ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
		"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"];
	def flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
		"SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"];
	def uint($max): type == "number" and . == floor and . >= 0 and . <= $max;
	# jq holds numbers as doubles: beyond 2^53 they would be silently rounded.
	def u64: uint(9007199254740992);
	# errnoRet only means something for ERRNO and TRACE; it defaults to EPERM.
	def verdict($a; $e): if $a == "SCMP_ACT_ERRNO" or $a == "SCMP_ACT_TRACE"
		then "\($a)(\($e // 1))" else $a end;
	def unknown_keys($allowed; $where):
		keys[] | select(IN($allowed[]) | not) | "\($where): unknown key \"\(.)\"";

	verdict(.defaultAction; .defaultErrnoRet) as $default
	| (.syscalls // []) as $rules
	| (unknown_keys(["defaultAction", "defaultErrnoRet", "architectures", "flags",
		"listenerPath", "listenerMetadata", "syscalls"]; "profile")),
	  (if (.defaultAction | IN(actions[])) then empty
	   else "defaultAction \(.defaultAction | tojson) is not a seccomp action" end),
	  (if has("defaultErrnoRet") and (.defaultErrnoRet | uint(4095) | not)
	   then "defaultErrnoRet must be an errno number" else empty end),
	  (if (.architectures | type == "array" and length > 0 and
		all(type == "string" and startswith("SCMP_ARCH_"))) then empty
	   else "architectures must be a non-empty list of SCMP_ARCH_* names" end),
	  ((.flags // [])[] | select(IN(flags[]) | not) | "unknown flag \(tojson)"),
	  (if ($rules | type) == "array" then empty else "syscalls must be a list" end),
	  ($rules | to_entries[] | .key as $i | .value as $r | "syscalls[\($i)]" as $w
	   | ($r | unknown_keys(["names", "action", "errnoRet", "args"]; $w)),
	     (if ($r.names | type == "array" and length > 0 and all(type == "string"))
	      then empty else "\($w): names must be a non-empty list of strings" end),
	     (if ($r.action | IN(actions[])) then empty
	      else "\($w): action \($r.action | tojson) is not a seccomp action" end),
	     (if ($r | has("errnoRet")) and ($r.errnoRet | uint(4095) | not)
	      then "\($w): errnoRet must be an errno number" else empty end),
	     (if verdict($r.action; $r.errnoRet) == $default
	      then "\($w): action \(verdict($r.action; $r.errnoRet)) is the default action" else empty end),
	     ($r.names | group_by(.)[] | select(length > 1)
	      | "\($w): \(.[0]) is listed twice"),
	     (($r.args // []) | to_entries[] | .key as $j | .value as $a
	      | "\($w).args[\($j)]" as $aw
	      | ($a | unknown_keys(["index", "value", "valueTwo", "op"]; $aw)),
	        (if ($a.index | uint(5)) then empty else "\($aw): index must be 0..5" end),
	        (if ($a.value | u64) and (($a.valueTwo // 0) | u64) then empty
	         else "\($aw): value/valueTwo must be integers below 2^53" end),
	        (if ($a.op | IN(ops[])) then empty
	         else "\($aw): op \($a.op | tojson) is not a comparison" end)),
	     (($r.args // []) | group_by(.index)[] | select(length > 1)
	      | "\($w): argument \(.[0].index) is compared more than once; use separate rules")),
	  # A name with an unconditional rule must not appear in any other rule.
	  ([$rules | to_entries[] | .key as $i | .value as $r
	    | $r.names[]? | {name: ., i: $i, cond: (($r.args // []) | length > 0)}]
	   | group_by(.name)[] | select(length > 1 and any(.cond | not))
	   | "\(.[0].name) has an unconditional rule and is also in syscalls\([.[].i] | tostring)")
' "$profile")

if [ -n "$problems" ]; then
	printf 'check-profile: %s: %s\n' "$profile" "$problems" | sed '2,$s/^/check-profile: /' >&2
	exit 1
fi

# Compile the profile with the local libseccomp.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
${CC:-cc} -O2 -Wall -Wextra -o "$tmp/scmp-check" "$here/scmp-check.c" -lseccomp

jq -r '
	"default \(.defaultAction) \(.defaultErrnoRet // 1)",
	(.architectures[] | "arch \(.)"),
	(.syscalls | to_entries[] | .key as $i | .value as $r | $r.names[]
	 | "rule \($i) \($r.action) \($r.errnoRet // 1) \(.) \(($r.args // []) | length)"
	   + ([($r.args // [])[] | " \(.index) \(.op) \(.value) \(.valueTwo // 0)"] | join("")))
' "$profile" | "$tmp/scmp-check" $list

jq -r '"allowed without condition: \([.syscalls[] | select(.action == "SCMP_ACT_ALLOW" and
		((.args // []) | length) == 0) | .names[]] | length) names; " +
	"allowed with argument conditions: \([.syscalls[] | select(.action == "SCMP_ACT_ALLOW" and
		((.args // []) | length) > 0) | .names[]] | unique | join(", ")); " +
	"other explicit actions: \([.syscalls[] | select(.action != "SCMP_ACT_ALLOW")
		| "\(.names | join(",")) -> \(.action)(\(.errnoRet // 1))"] | join(", "))"' "$profile"
echo "check-profile: $profile: OK"
