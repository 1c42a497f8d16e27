#!/bin/sh
# node-collect: the node helper of kubectl-evidence (collect --via node).
#
# Runs as the command of one short-lived helper pod per node (hostPID,
# privileged, pinned to the node) under busybox sh. For each target container
# of that node it finds the container's processes in the host's /proc, enters
# their pid, net, ipc and uts namespaces with nsenter, mounts a /proc of that
# pid namespace in a private mount namespace, and runs the in-pod script
# (evidence-collect) there, unchanged: the view is the one an ephemeral
# container with targetContainerName has, and the script's framed output and
# its digest are the same. Nothing is added to the investigated pods.
#
# ARGUMENTS
#   $1  the in-pod script, gzip + base64 (as the packed ephemeral command)
#   $2  its SHA-256 (hex), checked before anything runs
#   $3  how many targets run at once (1 to 16)
#   $4  the most seconds one target may take (1 to 86400): then it is killed,
#       and its section holds what it wrote so far (the digest says it is cut)
#   then the script's arguments (no whitespace in any), then "--", then one
#   argument per target: <index>:<pod uid>:<container id>
#
# FINDING A CONTAINER: a process belongs to the container when the LAST
# component of one of the paths in /proc/<pid>/cgroup is the container's id
# (cgroupfs: .../pod<uid>/<id>) or the systemd driver's scope for it
# (cri-containerd-<id>.scope, crio-<id>.scope, docker-<id>.scope), AND an
# earlier component is the pod's (pod<uid>, or a slice ending in
# -pod<uid with _ for ->.slice). Whole components are compared, never
# substrings. Of the container's processes, only those in the shallowest pid
# namespace count (a process of the container that made a pid namespace of its
# own, which needs no privilege where user namespaces are allowed, cannot offer
# itself instead); of those the one whose NSpid ends in 1 (the container's
# first process) is entered, failing that the lowest pid. Just before entering,
# the process is checked again to be in the container's cgroup (a container
# that restarted, or a pid reused, is reported, never entered).
#
# OUTPUT (stdout, the helper's log), for each target in index order:
#   #kubectl-evidence node v1 target=<i> pid=<host pid> bytes=<n> sha256=<hex> exit=<code>
#   #match <how the process was found: "cgroup <path> first|lowest">
#   #message <the script's termination message, control bytes as ?>
#   #stderr <the first 512 bytes of its stderr, control bytes as ?>
#   <exactly n bytes: the script's stdout>
#   #end <i>
#   A target whose container has no process: pid=0 bytes=0 exit=-1 and
#   #match none: <why>. Last: "#kubectl-evidence node v1 done targets=<k>".
#   The byte count comes from the helper, not from the target: whatever a
#   process of one target writes into its script's output stays inside that
#   target's n bytes and cannot open or close another target's section.
#
# TERMINATION MESSAGE: "sha256:<hex> bytes:<n>" over everything written to
# stdout; on a fatal error "error: <message>" and exit 2.
#
# RULES: busybox sh and awk only; no line inside a quoted string may start
# with '#' (comment lines are stripped when the script is embedded).

LC_ALL=C
export LC_ALL
umask 077

fail() {
	echo "node-collect: $1" >&2
	printf 'error: %s' "$1" > /dev/termination-log 2>/dev/null
	exit 2
}

[ $# -ge 5 ] || fail "expected the packed script, its SHA-256, the parallelism, the seconds per target and targets"
P=$1 D=$2 J=$3 W=$4
shift 4
case $J in ''|*[!0-9]*) fail "the parallelism \"$J\" is not a number";; esac
[ "$J" -ge 1 ] && [ "$J" -le 16 ] || fail "the parallelism $J is not between 1 and 16"
case $W in ''|*[!0-9]*) fail "the seconds per target \"$W\" is not a number";; esac
[ "$W" -ge 1 ] && [ "$W" -le 86400 ] || fail "the seconds per target $W is not between 1 and 86400"
S=$(printf %s "$P" | base64 -d | gzip -dc) || fail "cannot unpack the script (the image needs busybox base64 and gzip)"
H=$(printf '%s\n' "$S" | sha256sum) || fail "cannot compute the script's SHA-256"
[ "${H%% *}" = "$D" ] || fail "the unpacked script does not match its SHA-256 $D"
unset P

ARGS=
while [ $# -gt 0 ] && [ "$1" != -- ]; do ARGS="$ARGS $1"; shift; done
[ "$1" = -- ] || fail "no \"--\" before the targets"
shift
TARGETS="$*"
[ -n "$TARGETS" ] || fail "no targets"
for t in $TARGETS; do
	case $t in *[!0-9a-zA-Z:._-]*|*:*:*:*) fail "the target \"$t\" is not <index>:<pod uid>:<container id>";; esac
done

T=$(mktemp -d /tmp/node-collect.XXXXXX) || fail "cannot make a temporary directory in /tmp"
# The log is the protocol, and the kubelet serves stderr in it too: from here on
# the helper's own complaints (a process that ended while /proc was read) go to
# a file, never into the log. fail() still says why in the termination message.
exec 2> "$T/stderr"
trap 'rm -rf "$T"' EXIT

# Every process of every target container: "<index> <pid> <cgroup path>". The
# pids go through xargs (the glob is expanded by the shell's own loop, never
# into one command's arguments), so that a target with 100,000 processes cannot
# push the list past the kernel's argument limit and hide every container of
# the node; awk counts the lines it read, and none is an error.
for p in /proc/[0-9]*; do echo "$p/cgroup"; done | xargs grep -s -H '' | awk -v want="$TARGETS" -v lines="$T/lines" '
BEGIN {
	n = split(want, w, " ")
	for (i = 1; i <= n; i++) {
		split(w[i], f, ":"); idx[i] = f[1]; cid[i] = f[3]
		u = f[2]; pod[i] = "pod" u; gsub("-", "_", u); slice[i] = "-pod" u ".slice"
	}
}
{
	line = $0
	c = index(line, "/cgroup:"); if (c == 0) next
	file = substr(line, 1, c - 1); pid = substr(file, 7) + 0
	rest = substr(line, c + 8)
	sub(/^[^:]*:[^:]*:/, "", rest)
	m = split(rest, part, "/"); last = part[m]
	for (i = 1; i <= n; i++) {
		if (last != cid[i] && last != "cri-containerd-" cid[i] ".scope" && last != "crio-" cid[i] ".scope" && last != "docker-" cid[i] ".scope") continue
		ok = 0
		for (k = 1; k < m; k++) {
			if (part[k] == pod[i]) ok = 1
			l = length(slice[i])
			if (length(part[k]) > l && substr(part[k], length(part[k]) - l + 1) == slice[i]) ok = 1
		}
		if (ok && !((i, pid) in seen)) { seen[i, pid] = 1; print idx[i], pid, rest }
	}
}
END { print NR > lines }' > "$T/found" || fail "cannot read the host's /proc/<pid>/cgroup files"
[ "$(cat "$T/lines" 2>/dev/null)" -gt 0 ] 2>/dev/null || fail "read no line of the host's /proc/<pid>/cgroup files (is the helper in the host's pid namespace?)"

# One process per target: of those in the shallowest pid namespace (fewest
# NSpid fields), the container's pid 1 when it is among them, else the lowest pid.
# "<pid> <NSpid depth> <last NSpid>" per process; a process without NSpid
# (gone meanwhile) is left out.
awk '{ print $2 }' "$T/found" | sort -u | while read -r p; do
	l=$(grep -s '^NSpid:' "/proc/$p/status") || continue
	set -- $l
	shift
	eval "z=\${$#}"
	echo "$p $# $z"
done > "$T/nspid"
awk 'FILENAME == ARGV[1] { depth[$1] = $2; last[$1] = $3; next }
{
	i = $1; p = $2 + 0
	if (!(p in depth)) next
	d = depth[p] + 0; f = (last[p] == "1")
	if (!(i in best) || d < bd[i] || (d == bd[i] && f && !first[i]) || (d == bd[i] && f == first[i] && p < best[i])) {
		best[i] = p; bd[i] = d; path[i] = $3; first[i] = f
	}
}
END { for (i in best) print i, best[i], (first[i] ? "first" : "lowest"), path[i] }' "$T/nspid" "$T/found" > "$T/chosen"

# clean: at most 512 bytes of stdin on one line, every byte outside printable ASCII as '?'.
clean() { head -c 512 | tr '\n\r\t' '   ' | awk '{ gsub(/[^ -~]/, "?"); printf "%s", $0 }'; }

# run_one <index> <pid> <cgroup path>: enters the process only if it is still in
# that cgroup (a restarted container, or a pid reused by another, is not), and
# stops waiting after $W seconds: nsenter is killed, the section holds what the
# script wrote by then (its digest does not match), and the batch goes on.
run_one() {
	i=$1 pid=$2 want=$3
	if ! CG=":$want" awk 'BEGIN { w = ENVIRON["CG"] } substr($0, length($0) - length(w) + 1) == w { f = 1 } END { exit !f }' "/proc/$pid/cgroup" 2>/dev/null; then
		echo "pid $pid left the container's cgroup before the helper entered it (the container may have restarted)" > "$T/gone.$i"
		return
	fi
	timeout -s KILL "$W" nsenter -t "$pid" -p -n -i -u -- unshare -m --propagation private sh -c 'mount -t proc proc /proc || exit 125; s=$1; shift; exec sh -c "$s" evidence-collect "$@"' node-enter "$S" $ARGS "--termination-log=$T/msg.$i" > "$T/out.$i" 2> "$T/err.$i"
	echo $? > "$T/rc.$i"
}

emit() {
	i=$1
	line=$(awk -v i="$i" '$1 == i { print; exit }' "$T/chosen")
	if [ -z "$line" ] || [ -e "$T/gone.$i" ]; then
		why="no process on this node is in the container's cgroup"
		[ -e "$T/gone.$i" ] && why=$(clean < "$T/gone.$i")
		echo "#kubectl-evidence node v1 target=$i pid=0 bytes=0 sha256=- exit=-1"
		echo "#match none: $why"
		echo "#message "
		echo "#stderr "
		echo "#end $i"
		return
	fi
	set -- $line
	pid=$2 how=$3
	shift 3
	path=$(printf %s "$*" | clean)
	# The count first, then the hash and the body of exactly that many bytes: a
	# process of the target that outlived the script and still writes cannot make
	# the three disagree.
	b=$(wc -c < "$T/out.$i") || b=0
	b=$((b + 0))
	h=$(head -c "$b" "$T/out.$i" | sha256sum) || h=-
	echo "#kubectl-evidence node v1 target=$i pid=$pid bytes=$b sha256=${h%% *} exit=$(cat "$T/rc.$i" 2>/dev/null || echo -1)"
	echo "#match cgroup $path $how"
	echo "#message $(cat "$T/msg.$i" 2>/dev/null | clean)"
	echo "#stderr $(clean < "$T/err.$i")"
	head -c "$b" "$T/out.$i"
	echo "#end $i"
	rm -f "$T/out.$i" "$T/err.$i" "$T/msg.$i" "$T/rc.$i"
}

main() {
	running=0 batch=
	for t in $TARGETS; do
		i=${t%%:*}
		set -- $(awk -v i="$i" '$1 == i { print $2, $4; exit }' "$T/chosen")
		[ -n "${1-}" ] && run_one "$i" "$1" "$2" &
		batch="$batch $i"
		running=$((running + 1))
		if [ "$running" -ge "$J" ]; then
			wait
			for b in $batch; do emit "$b"; done
			running=0 batch=
		fi
	done
	wait
	for b in $batch; do emit "$b"; done
	set -- $TARGETS
	echo "#kubectl-evidence node v1 done targets=$#"
}

mkfifo "$T/f.sum" "$T/f.count" || fail "cannot make the pipes for the output's digest"
sha256sum < "$T/f.sum" > "$T/sum" &
wc -c < "$T/f.count" > "$T/count" &
main | tee "$T/f.sum" "$T/f.count" || fail "could not write the output"
wait
sum=$(cat "$T/sum") count=$(cat "$T/count")
printf 'sha256:%s bytes:%s' "${sum%% *}" "$((count + 0))" > /dev/termination-log
