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
#   then the script's arguments (no whitespace in any), then "--", then one
#   argument per target: <index>:<pod uid>:<container id>
#
# FINDING A CONTAINER: a process belongs to the container when the LAST
# component of one of the paths in /proc/<pid>/cgroup is the container's id
# (cgroupfs: .../pod<uid>/<id>) or the systemd driver's scope for it
# (cri-containerd-<id>.scope, crio-<id>.scope, docker-<id>.scope), AND an
# earlier component is the pod's (pod<uid>, or a slice ending in
# -pod<uid with _ for ->.slice). Whole components are compared, never
# substrings. Of the container's processes the one whose NSpid ends in 1 (the
# container's first process) is entered; failing that, the lowest pid.
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

[ $# -ge 4 ] || fail "expected the packed script, its SHA-256, the parallelism and targets"
P=$1 D=$2 J=$3
shift 3
case $J in ''|*[!0-9]*) fail "the parallelism \"$J\" is not a number";; esac
[ "$J" -ge 1 ] && [ "$J" -le 16 ] || fail "the parallelism $J is not between 1 and 16"
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
trap 'rm -rf "$T"' EXIT

# Every process of every target container: "<index> <pid> <cgroup path>".
grep -s -H '' /proc/[0-9]*/cgroup | awk -v want="$TARGETS" '
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
}' > "$T/found" || fail "cannot read the host's /proc/<pid>/cgroup files"

# One process per target: the container's pid 1 when it is among them, else the lowest pid.
pids=$(awk '{ print $2 }' "$T/found" | sort -u)
: > "$T/nspid"
for p in $pids; do
	l=$(grep -s '^NSpid:' "/proc/$p/status") && echo "$p ${l##*[	 ]}" >> "$T/nspid"
done
awk 'NR == FNR { last[$1] = $2; next }
{
	i = $1; p = $2 + 0
	if (!(i in best) || (last[p] == "1" && first[i] != 1) || (last[p] != "1" && first[i] != 1 && p < best[i])) {
		best[i] = p; path[i] = $3; first[i] = (last[p] == "1")
	}
}
END { for (i in best) print i, best[i], (first[i] ? "first" : "lowest"), path[i] }' "$T/nspid" "$T/found" > "$T/chosen"

# clean: at most 512 bytes of stdin on one line, every byte outside printable ASCII as '?'.
clean() { head -c 512 | tr '\n\r\t' '   ' | awk '{ gsub(/[^ -~]/, "?"); printf "%s", $0 }'; }

run_one() {
	i=$1 pid=$2
	nsenter -t "$pid" -p -n -i -u -- unshare -m --propagation private sh -c 'mount -t proc proc /proc || exit 125; s=$1; shift; exec sh -c "$s" evidence-collect "$@"' node-enter "$S" $ARGS "--termination-log=$T/msg.$i" > "$T/out.$i" 2> "$T/err.$i"
	echo $? > "$T/rc.$i"
}

emit() {
	i=$1
	line=$(awk -v i="$i" '$1 == i { print; exit }' "$T/chosen")
	if [ -z "$line" ]; then
		echo "#kubectl-evidence node v1 target=$i pid=0 bytes=0 sha256=- exit=-1"
		echo "#match none: no process on this node is in the container's cgroup"
		echo "#message "
		echo "#stderr "
		echo "#end $i"
		return
	fi
	set -- $line
	pid=$2 how=$3
	shift 3
	path=$(printf %s "$*" | clean)
	b=$(wc -c < "$T/out.$i") || b=0
	h=$(sha256sum < "$T/out.$i") || h=-
	echo "#kubectl-evidence node v1 target=$i pid=$pid bytes=$((b + 0)) sha256=${h%% *} exit=$(cat "$T/rc.$i" 2>/dev/null || echo -1)"
	echo "#match cgroup $path $how"
	echo "#message $(cat "$T/msg.$i" 2>/dev/null | clean)"
	echo "#stderr $(clean < "$T/err.$i")"
	cat "$T/out.$i"
	echo "#end $i"
	rm -f "$T/out.$i" "$T/err.$i" "$T/msg.$i" "$T/rc.$i"
}

main() {
	running=0 batch=
	for t in $TARGETS; do
		i=${t%%:*}
		pid=$(awk -v i="$i" '$1 == i { print $2; exit }' "$T/chosen")
		[ -n "$pid" ] && run_one "$i" "$pid" &
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
