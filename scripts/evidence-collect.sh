#!/bin/sh
# evidence-collect: the in-pod collection script of kubectl-evidence.
#
# Runs as the command of an ephemeral container (`sh -c <this text>
# evidence-collect [args]`) under busybox sh. It shares the target container's
# pid namespace and the pod's net/ipc/uts namespaces, so /proc shows the pod's
# processes and /proc/net the pod's sockets. It only reads; the one thing it
# writes outside its private temp dir is the termination message.
#
# ARGUMENTS (each also settable by environment; arguments win)
#   --cap BYTES             EVIDENCE_CAP        output cap, default 8388608 (8 MiB,
#                                               well under the kubelet's 10 MiB log
#                                               rotation); minimum 4096. It bounds
#                                               the kubelet's log file (encoded,
#                                               with the runtime's prefixes), not
#                                               just the stream: see CRI below.
#   --sections LIST         EVIDENCE_SECTIONS   what to gather, comma separated:
#                                               processes (stat, status, cmdline,
#                                               comm, cgroup, exe, cwd), fds (socket
#                                               links), namespaces (ns links), sockets
#                                               (/proc/net tables), network (interfaces,
#                                               routes, ARP), mounts (mountinfo, one per
#                                               mount namespace), cgroups (cgroupfs
#                                               files, likewise); "deep" = mounts,cgroups,
#                                               "all" = everything; default
#                                               processes,fds,namespaces,sockets.
#                                               The run, clock, host and the script's
#                                               own shell are always recorded.
#   --termination-log PATH  EVIDENCE_TERMINATION_LOG  default /dev/termination-log;
#                                               "-" writes none
#   --tmpdir DIR            EVIDENCE_TMPDIR     where the private temp dir goes;
#                                               default $TMPDIR, /tmp, /var/tmp, /dev/shm
#   --batch N               processes gathered per step (default 32, at most 999);
#                                               bounds the temporary files
#   --read-timeout SECONDS  EVIDENCE_READ_TIMEOUT  longest a read of a process's
#                                               files may take (default 5, 1 to
#                                               3600); see READ TIMEOUT
#
# OUTPUT: one framed stream, version 1, sent in base64 (see TRANSPORT):
#   #kubectl-evidence frame v1\n
#   then records, each:  @<kind> <key> <length>\n <length raw bytes> \n
#     kind   file   bytes of a file, as read        key: its path without the leading /
#            link   target of a symlink             key: the link's path
#            cmd    stdout of a command             key: cmd/<name>
#            meta   a fact about the run            key: script/*, self/*, clock/*,
#                                                   proc/<pid>/fd, proc/<pid>/cmdline-length
#            error  what could not be read and why  key: what it concerns
#            cut    the output cap was reached      key: the first record left out
#            same   a file whose bytes are those of an earlier file record:
#                   payload its key. Sent for a process's cgroup when it is
#                   the first recorded one's (in a container it almost always
#                   is; 1.4 KB on cgroup v1): key proc/<pid>/cgroup
#            end    trailer, always last            key: trailer
#     key    [A-Za-z0-9._:/-]+, at most 255 bytes, built by this script (pids are
#            numbers, other names come from the kernel or from this script); never
#            free text from the pod.
#     length decimal byte count of the payload, exact.
#   Processes are under proc/<pid>/, this script's own shell under proc/self/
#   (its pid in meta self/pid; it leaves itself out of the process list).
#   link payloads for exe, cwd, ns/* and fd/* are the link targets as readlink
#   gives them; fd links are recorded for sockets only, with meta proc/<pid>/fd
#   counting all fds ("fds=N sockets=K unreadable=U").
#   error payloads are one line: "<operation> <path>: <reason>" (reason as the
#   OS says it, e.g. "Permission denied", "No such file or directory", or
#   "timed out after <n> s" for a read stopped at the read timeout).
#   The trailer's payload is "records=<n> bytes=<m>": n records before it,
#   m bytes before its header line; nothing follows it.
#   A cmdline is kept to its first CMDLINE_MAX (4096) bytes; when it is longer,
#   meta proc/<pid>/cmdline-length holds its true length in bytes (decimal),
#   or error proc/<pid>/cmdline-length says why it could not be read.
#   When the next record would pass the cap, a cut record says what was left out,
#   gathering stops, and meta script/left-out (or script/content-left-out),
#   clock/end and the trailer still follow. script/left-out counts every
#   process whose identity records were not gathered whole (the one being read
#   at the cut and all after it): "processes=<n> listed=<k> pids=<pid> ..."
#   with the first k of them (as many as fit in 512 bytes). A cut in the
#   second pass writes script/content-left-out instead, in the same form: every
#   process is listed, but these processes' cmdline (and mountinfo and cgroupfs
#   files) are missing.
#   The stream's log (encoded, plus the kubelet's CRI prefix of each of its
#   pieces) stays under the cap (see CRI and CRI_LINE below).
#
# KEYS, in stream order (what identifies first, so that a pod that makes its
# command lines or mounts large fills the cap with them last):
#   meta script/version, script/cap, script/read-timeout (seconds, or "none: <why>"),
#        script/sections ("processes=1 fds=1 ..."),
#        script/args, self/pid, clock/start ("<epoch s> <YYYY-MM-DDTHH:MM:SSZ>\n"),
#        clock/btime (boot time, epoch s: start time = btime + stat starttime/HZ)
#   file proc/uptime, proc/sys/kernel/hostname;  cmd cmd/uname-a
#   file proc/self/status, proc/self/cgroup [, proc/self/mountinfo,
#        sys/fs/cgroup/<file>];  link proc/self/exe, proc/self/ns/<ns>
#   file proc/net/tcp, tcp6, udp, udp6, unix, raw, raw6 [, dev, route,
#        ipv6_route, arp];  cmd cmd/ip-addr
#   pass 1, per process (identity): file proc/<pid>/stat, status, comm, cgroup
#        (or same proc/<pid>/cgroup);
#        link proc/<pid>/exe, cwd, ns/<ns>, fd/<n>; meta proc/<pid>/fd;
#        error proc/<pid>/<what> for each of them that could not be read,
#        error proc/<pid>/fd once for all unreadable fd links, error proc/<pid>
#        when it exited while being read, error proc/<pid>/copy for cp messages
#        that name no file;  then error script/ls (ls messages about no process)
#   pass 2, per process (content): file proc/<pid>/cmdline (at most 4096 bytes)
#        [, meta proc/<pid>/cmdline-length] [, mountinfo,
#        root/sys/fs/cgroup/<file>: first process of each mount ns]; error
#        proc/<pid>/<what> for each that could not be read, error
#        proc/<pid>/copy-content for cp messages that name no file
#   [cut;  meta script/left-out or script/content-left-out];
#   meta clock/end;  end trailer
#   No kind and key appear twice.
#
# TRANSPORT: stdout carries the stream in base64 (RFC 4648, standard alphabet,
# padded, no line breaks) followed by one newline: that line is the log. A
# stream of /proc files is mostly short lines, and the runtime adds a 30-46
# byte prefix to each line of a log; in base64 the whole stream is one line,
# so the log costs 4/3 of the stream however many lines the pod's files have
# (a process's status alone is 57 lines). That is what lets a pod with
# thousands of processes fit under the kubelet's log rotation.
#
# TERMINATION MESSAGE: "sha256:<64 hex> bytes:<n>" over exactly the bytes written
# to stdout (the log, newline included); on a fatal error "error: <message>"
# (also on stderr) and exit 2.
#
# STREAMING: the records go out as each step makes them; no file ever holds
# the output. collect (a subshell) writes the stream into a pipe to base64,
# whose output (and a final newline) goes through a pipe to tee, which copies
# every byte to the container's stdout (the log) and, through pipes, to
# sha256sum and wc -c: the bytes hashed and counted are the bytes the log
# gets. collect has no access to the real stdout. The parent shell writes the
# termination message only when collect finished (it leaves the byte count it
# wrote in ok), base64, tee, sha256sum and wc all exited 0, the digest is 64
# hex digits and wc counted the encoding of what collect wrote; anything
# else is a fatal error (exit 2, stderr, "error: ..." as the message), though
# part of the stream may already be on stdout.
#
# THE TEMPORARY DIRECTORY ($T, made by mktemp -d: mode 0700, owned by the
# container's uid) holds only: applets (busybox --list), the per-step working
# files under b/ (copies of the /proc files of at most --batch processes, ls
# output, the step's plan, sizes, chunks of headers and text payloads, its
# list for cat; each overwritten by the next step; b/cg0 and b/cgref, the
# first cgroup file recorded and its key, for same records), and the hashing pipeline's
# results (sum, count, rc.b64, rc.tee, rc.sum, rc.count, ok, died): a few hundred KB
# at most, never the stream. A process of the pod reaches it only through
# /proc/<pid>/root or /proc/<pid>/cwd of the script's processes, which the
# kernel allows only to a caller with the same uid and gid (or CAP_SYS_PTRACE)
# (ptrace_may_access, PTRACE_MODE_READ_FSCREDS), and through the directory
# itself only as its owner (or with CAP_DAC_OVERRIDE): when the evidence
# container's uid differs from the target's, no target uid can enter it. A
# process with the container's uid can: it could change a step's copies
# between cp and cat (or write into the pipe, /proc/<pid>/fd/1), and the
# digest would agree. Only a different uid closes that.
#
# READ TIMEOUT: a read of /proc can block for as long as the pod likes: a
# process's cmdline is read under its memory's lock (mmap_lock), which the
# process can keep held, and a FIFO can be put in place of a cgroupfs file
# between the check and the read. Every read of a process's files (cp in
# pass 1, head and wc of the cmdline and cp of mountinfo and cgroupfs files in
# pass 2) runs under timed(): stopped after --read-timeout seconds, it becomes
# an error record naming what and "timed out after <n> s", and gathering goes
# on. No watchdog process is started, and nothing is left in the pod.
#
# EXIT STATUS: 0 when it wrote the stream (also when it cut it or could not read
# some things: those are records); 2 when it could not work at all.
#
# RULES for editing: busybox sh and busybox awk only (no bash-isms, no awk
# math library, no here-documents), and no line inside a quoted string may start
# with '#': comment lines are stripped when the script is embedded into a
# container's command (InPodScript in the Collector module). Every fork costs
# 1-2 ms: per process there are two (cp in pass 1; head for the cmdline in
# pass 2; one more cp with mounts or cgroups, and a wc -c for a cmdline longer
# than 4096 bytes); links come from one ls per
# step, records are assembled by one awk per step and written out by one cat.

LC_ALL=C
LANG=C
export LC_ALL LANG
umask 077

CAP=${EVIDENCE_CAP:-8388608}
SECTIONS=${EVIDENCE_SECTIONS:-processes,fds,namespaces,sockets}
TLOG=${EVIDENCE_TERMINATION_LOG-/dev/termination-log}
TMPBASE=${EVIDENCE_TMPDIR:-}
BATCH=32
READ_TIMEOUT=${EVIDENCE_READ_TIMEOUT:-5}
T=
# Bytes of a cmdline kept (a shell's argv can be megabytes; 4 KiB shows what
# ran): a longer one is cut there and its true length recorded.
CMDLINE_MAX=4096
IN_COLLECT=
SELF=$$
ARGS_GIVEN="$*"

# Prefer busybox's own applets, whose output formats the parsing below relies on.
BB=
command -v busybox >/dev/null 2>&1 && BB=busybox

# die MESSAGE: says why on stderr and in the termination message, exits 2.
# Inside collect (a subshell) it leaves a note, died, for the parent shell,
# which removes the temporary directory.
die() {
	echo "evidence-collect: $1" >&2
	if [ -n "$TLOG" ] && [ "$TLOG" != - ]; then
		printf 'error: %s' "$1" > "$TLOG" 2>/dev/null
	fi
	if [ -n "$IN_COLLECT" ]; then
		: > "$T/died"
		exit 2
	fi
	cd / 2>/dev/null
	[ -n "$T" ] && $BB rm -rf "$T"
	T=
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--cap|--sections|--termination-log|--tmpdir|--batch|--read-timeout)
		[ $# -ge 2 ] || die "$1 needs a value"
		_a=$1; _v=$2; shift 2; set -- "$_a=$_v" "$@" ;;
	esac
	case $1 in
	--cap=*) CAP=${1#*=} ;;
	--sections=*) SECTIONS=${1#*=} ;;
	--termination-log=*) TLOG=${1#*=} ;;
	--tmpdir=*) TMPBASE=${1#*=} ;;
	--batch=*) BATCH=${1#*=} ;;
	--read-timeout=*) READ_TIMEOUT=${1#*=} ;;
	*) die "unknown argument '$1' (known: --cap --sections --termination-log --tmpdir --batch --read-timeout)" ;;
	esac
	shift
done

case $CAP in ''|*[!0-9]*) die "--cap must be a number of bytes, got '$CAP'" ;; esac
{ [ ${#CAP} -le 12 ] && [ "$CAP" -ge 4096 ]; } || die "--cap must be between 4096 and 999999999999 bytes, got $CAP"
case $BATCH in ''|*[!0-9]*|0) die "--batch must be a positive number, got '$BATCH'" ;; esac
case $READ_TIMEOUT in ''|*[!0-9]*|0|0*|?????*) die "--read-timeout must be a whole number of seconds from 1 to 3600, got '$READ_TIMEOUT'" ;; esac
[ "$READ_TIMEOUT" -le 3600 ] || die "--read-timeout must be a whole number of seconds from 1 to 3600, got '$READ_TIMEOUT'"

PROCS= FDS= NSLINKS= SOCKETS= NETWORK= MOUNTS= CGROUPS=
_ifs=$IFS
IFS=,
for _s in $SECTIONS; do
	case $_s in
	'') ;;
	processes) PROCS=1 ;;
	fds) FDS=1 ;;
	namespaces) NSLINKS=1 ;;
	sockets) SOCKETS=1 ;;
	network) NETWORK=1 ;;
	mounts) MOUNTS=1 ;;
	cgroups) CGROUPS=1 ;;
	deep) MOUNTS=1; CGROUPS=1 ;;
	all) PROCS=1; FDS=1; NSLINKS=1; SOCKETS=1; NETWORK=1; MOUNTS=1; CGROUPS=1 ;;
	*) IFS=$_ifs; die "unknown section '$_s' in --sections (known: processes, fds, namespaces, sockets, network, mounts, cgroups, deep, all)" ;;
	esac
done
IFS=$_ifs

case $BATCH in ????*) die "--batch must be at most 999, got $BATCH" ;; esac

NEEDED="awk base64 cat cp date grep head ls mkdir mkfifo mktemp readlink rm sha256sum tee uname wc xargs"

for _d in "$TMPBASE" "${TMPDIR:-}" /tmp /var/tmp /dev/shm; do
	[ -n "$_d" ] && [ -d "$_d" ] || continue
	T=$($BB mktemp -d "$_d/evidence.XXXXXX" 2>/dev/null) && break
	T=
done
[ -n "$T" ] || die "no writable temporary directory (tried ${TMPBASE:+$TMPBASE }${TMPDIR:+$TMPDIR }/tmp /var/tmp /dev/shm); pass --tmpdir"
case $T in *[!A-Za-z0-9._/-]*) _t=$T; T=; die "temporary directory name '$_t' has unusual characters; pass --tmpdir" ;; esac
trap 'cd /; [ -n "$T" ] && $BB rm -rf "$T"' EXIT
trap 'die "stopped by a signal before it finished"' INT TERM HUP
cd "$T" || die "cannot enter temporary directory $T"

# Every applet the script runs must exist: say which one is missing up front.
if [ -n "$BB" ]; then
	$BB --list > applets 2>/dev/null
	_have=' '
	while read -r _a; do _have="$_have$_a "; done < applets
	for _a in $NEEDED; do
		case $_have in *" $_a "*) ;; *) die "the image's busybox has no '$_a' applet, which collection needs" ;; esac
	done
else
	for _a in $NEEDED; do
		command -v $_a >/dev/null 2>&1 || die "the image has no '$_a' command, which collection needs"
	done
fi

CG_FILES="cgroup.controllers cgroup.procs memory.max memory.current memory.events pids.max pids.current cpu.max cpu.stat"
NET_FILES=
[ -n "$SOCKETS" ] && NET_FILES="tcp tcp6 udp udp6 unix raw raw6"
[ -n "$NETWORK" ] && NET_FILES="$NET_FILES dev route ipv6_route arp"
# Room kept under the cap for the cut record (at most about 700 bytes: its key
# twice), meta script/left-out (LEFT_LIST bytes of pids and 60 more), clock/end
# and the trailer (about 60 bytes each): about 1.4 KB of stream, under 2 KB of
# log once encoded and prefixed.
LEFT_LIST=512
RESERVE=3072
# The kubelet's log file holds more than the stream. The stream goes out in
# base64 (see TRANSPORT): 4 bytes of log for every 3 of stream, one line with
# no newline but the last. The runtime stores the log as CRI records,
# "<timestamp> stdout P|F <piece>\n" (containerd's internal/cri/io/logger.go
# writes the timestamp with Go's time.RFC3339Nano layout in the node's local
# time, at most 35 bytes as in "2006-01-02T15:04:05.999999999-07:00", then
# " stdout P ": a prefix and its newline are at most 46 bytes). containerd cuts
# a line into pieces of max_container_log_line_size (16384 by default);
# CRI-O's conmon cuts at each read of the pipe, and tee writes 1 KiB at a
# time. So CRI=46 bytes are counted for every CRI_LINE=1024 bytes of log, and
# two pieces more: logsize() in the awk program below. The kubelet's file then
# stays under the cap with either runtime, however the pieces fall.
CRI=46
CRI_LINE=1024
total=0
count=0
CUT=0
SEEN=-

# Working files are made once and overwritten by each step (creating files is
# the slow part on some disks): b/h (head), b/n (net), b/s1..b/s<batch> (one
# slot per process of a step). A slot can hold a file copied for an earlier
# process, so a copy counts only when cp names no error for its source (cp
# reports every source it cannot read, and a cp that does not run stops the
# script).
_i=0
_d="b b/h b/n"
while [ $_i -lt "$BATCH" ]; do _i=$((_i + 1)); _d="$_d b/s$_i"; done
$BB mkdir $_d || die "cannot create directories in $T"
$BB mkfifo b/w || die "cannot create the pipe b/w in $T"
# timed() waits with read -t and -u (busybox sh has them); under a shell
# without them (dash) reads run without a timeout, and meta
# script/read-timeout says so.
TIMED=
( read -t 1 -u 0 _x < /dev/null ) 2> /dev/null
[ $? -le 1 ] && TIMED=1
eval "slot_$SELF=h"

_hdr='#kubectl-evidence frame v1'

# ---- assembling records ---------------------------------------------------
# A step gathers into b/ (one ls -ln for all links, one cp per process, a few
# commands), writes b/plan, measures every file in b/ with one wc, then this awk
# program turns the plan into records: it writes headers and text payloads into
# chunk files b/c<k> and prints the list of chunks and payload files, in order,
# for one cat. awk never touches payload bytes, so NULs are safe.
# Plan lines:
#   T KIND KEY TEXT...       a record whose payload is TEXT (printable ASCII)
#   R KIND KEY FILE WHY...   FILE's bytes, or an error record saying WHY
#   F KEY FILE SRC ERRFILE   FILE copied from SRC, or an error with cp's reason
#   P PID SLOT               a process: its files (in b/SLOT), links, fd count, errors
#   C PID SLOT               a process's bulky content: its cmdline prefix (and
#                            true length), mountinfo and cgroupfs files
#   S                        ls messages that name no process
AWK_ASSEMBLE='
function logsize(t,   e) { e = 4 * int((t + 2) / 3) + 1; return e + cri * (int(e / criline) + 2) }
function fits(n, key,   p, h) {
	if (cut) return 0
	if (logsize(total + n) <= limit) return 1
	cut = 1
	p = "output cap of " capv " bytes reached at " total " bytes of stream (" logsize(total) " bytes of log): left out " key " (" n " bytes with its header) and everything after it"
	h = "@cut " key " " length(p)
	printf "%s\n%s\n", h, p > chunk
	total += length(h) + length(p) + 2; count++
	return 0
}
function text(kind, key, t,   h) {
	if (t ~ /[^ -~]/) t = "(text with non-printable characters left out)"
	h = "@" kind " " key " " length(t)
	if (!fits(length(h) + length(t) + 2, key)) return 0
	printf "%s\n%s\n", h, t > chunk
	total += length(h) + length(t) + 2; count++
	return 1
}
function raw(kind, key, path, why,   n, h) {
	if (!(path in size)) return text("error", key, why)
	n = size[path]
	h = "@" kind " " key " " n
	if (!fits(length(h) + n + 2, key)) return 0
	printf "%s\n", h > chunk
	close(chunk)
	print chunk; print path
	chunk = "b/c" (++k)
	printf "\n" > chunk
	total += length(h) + n + 2; count++
	return 1
}
function reason(ef, a, b,   l, r) {
	r = ""
	if (!(ef in size) || size[ef] == 0) return r
	while ((getline l < ef) > 0) {
		if (index(l, q a q) || index(l, " " a ": ") || index(l, q b q)) { r = l; sub(/.*: /, "", r); break }
	}
	close(ef)
	return r
}
function copied(key, path, src, ef,   m) {
	m = reason(ef, src, path)
	if ((path in size) && m == "") return raw("file", key, path, "")
	if (m == "") m = "not copied, no reason given"
	return text("error", key, "read " src ": " m)
}
function stray(ef, key,   l, t) {
	if (!(ef in size) || size[ef] == 0) return 1
	t = ""
	while ((getline l < ef) > 0) if (index(l, q) == 0) t = t (t == "" ? "" : "; ") l
	close(ef)
	return t == "" || text("error", key, "copy: " t)
}
function note(p, line) { nrec[p]++; rec[p, nrec[p]] = line }
function keyof(p) { return p == self ? "proc/self" : "proc/" p }
function fdsums(   i, j, n, p, rs, t) {
	for (i = 1; i <= nfdp; i++) {
		p = fdorder[i]; t = ""
		n = split(fdr[p], rs, SUBSEP)
		for (j = 1; j <= n; j++) t = t (j > 1 ? "; " : "") rs[j] ": fds" fdl[p SUBSEP rs[j]]
		note(p, "E " keyof(p) "/fd readlink of " nbad[p] " fd links in /proc/" p "/fd failed: " t)
	}
}
function bulky(p, kp, d,   i, n, f, m, src) {
	m = (p == self) || !(p in mnt) || !(mnt[p] in seenset)
	if (p != self && (p in mnt)) seenset[mnt[p]] = 1
	if (mounts && m && !copied(kp "/mountinfo", d "/mountinfo", "/proc/" p "/mountinfo", d "/cp.err")) return 0
	if (cgroups && m) {
		n = split(cgfiles, f, " ")
		for (i = 1; i <= n; i++) {
			src = (p == self) ? "/sys/fs/cgroup/" f[i] : "/proc/" p "/root/sys/fs/cgroup/" f[i]
			if (!copied(substr(src, 2), d "/" f[i], src, d "/cp.err")) return 0
		}
	}
	return 1
}
function content(p, slot,   kp, d, l, f, r) {
	kp = keyof(p); d = "b/" slot
	if (!copied(kp "/cmdline", d "/cmdline", "/proc/" p "/cmdline", d "/cmdline.err")) return 0
	if (size[d "/cmdline"] >= cmdmax) {
		l = ""
		if ((getline l < (d "/cmdline.len")) > 0) split(l, f, " ")
		close(d "/cmdline.len")
		if (l != "" && f[1] ~ /^[0-9]+$/) {
			if (f[1] + 0 > size[d "/cmdline"] && !text("meta", kp "/cmdline-length", f[1])) return 0
		} else {
			r = reason(d "/cmdline.lerr", "/proc/" p "/cmdline", ""); if (r == "") r = "no length, no reason given"
			if (!text("error", kp "/cmdline-length", "read /proc/" p "/cmdline: " r)) return 0
		}
	}
	if (!bulky(p, kp, d)) return 0
	return stray(d "/cp.err", kp "/copy-content")
}
function cgroup(kp, d, p,   path, c, l) {
	path = d "/cgroup"
	if (!(path in size) || reason(d "/cp.err", "/proc/" p "/cgroup", path) != "") return copied(kp "/cgroup", path, "/proc/" p "/cgroup", d "/cp.err")
	c = ""
	while ((getline l < path) > 0) c = c l "\n"
	close(path)
	if (cgref != "" && size[path] == cgsize && c == cgtext) return text("same", kp "/cgroup", cgref)
	if (!raw("file", kp "/cgroup", path, "")) return 0
	if (cgref == "" && length(c) == size[path]) {
		cgref = kp "/cgroup"; cgtext = c; cgsize = size[path]
		printf "%s", c > "b/cg0"; close("b/cg0")
		printf "%s\n", cgref > "b/cgref"; close("b/cgref")
	}
	return 1
}
function proc(p, slot,   kp, d, i, n, f, r, m, src) {
	kp = keyof(p); d = "b/" slot
	n = split(p == self ? "status cgroup" : "stat status comm cgroup", f, " ")
	for (i = 1; i <= n; i++) {
		if (f[i] == "cgroup" && p != self) { if (!cgroup(kp, d, p)) return 0 }
		else if (!copied(kp "/" f[i], d "/" f[i], "/proc/" p "/" f[i], d "/cp.err")) return 0
	}
	if (p == self && !bulky(p, kp, d)) return 0
	if (!stray(d "/cp.err", kp "/copy")) return 0
	for (i = 1; i <= nrec[p]; i++) {
		r = rec[p, i]
		split(r, f, " ")
		m = r; sub(/^[^ ]+ [^ ]+ /, "", m)
		if (f[1] == "L") { if (!text("link", f[2], m)) return 0 }
		else if (f[1] == "X") {
			src = "/proc/" p "/" m
			if (reason(d "/" m ".err", src, "") != "" || !((d "/" m ".raw") in size)) {
				r = reason(d "/" m ".err", src, ""); if (r == "") r = "failed, no reason given"
				if (!text("error", f[2], "readlink " src ": " r)) return 0
			} else if (!raw("link", f[2], d "/" m ".raw", "")) return 0
		}
	}
	if ((p in nfd) && !(p in fdbad) && !text("meta", kp "/fd", "fds=" nfd[p] " sockets=" (nsock[p] + 0) " unreadable=" (nbad[p] + 0))) return 0
	for (i = 1; i <= nrec[p]; i++) {
		r = rec[p, i]
		if (substr(r, 1, 2) != "E ") continue
		r = substr(r, 3); m = r; sub(/^[^ ]+ /, "", m); sub(/ .*/, "", r)
		if (!text("error", r, m)) return 0
	}
	if ((p in gone) && !text("error", kp, "read /proc/" p ": the process exited while it was being read")) return 0
	return 1
}
BEGIN {
	chunk = "b/c" k
	printf "" > chunk
	n = split(seen, f, " ")
	for (i = 1; i <= n; i++) seenset[f[i]] = 1
	while ((getline l < "b/sizes") > 0) if (split(l, f, " ") == 2) size[f[2]] = f[1] + 0
	close("b/sizes")
	while ((getline l < "b/gone") > 0) gone[l] = 1
	close("b/gone")
	cgref = ""
	if ((getline cgref < "b/cgref") > 0) {
		cgtext = ""
		while ((getline l < "b/cg0") > 0) cgtext = cgtext l "\n"
		close("b/cg0")
		cgsize = length(cgtext)
	} else cgref = ""
	close("b/cgref")
	cur = ""
	while ((getline l < "b/ls.out") > 0) {
		if (l ~ /^\/proc\/.*:$/) {
			cur = substr(l, 1, length(l) - 1)
			if (cur ~ /^\/proc\/[0-9]+\/fd$/) { p = substr(cur, 7); sub(/\/.*/, "", p); nfd[p] = 0 }
			continue
		}
		if (substr(l, 1, 1) != "l") continue
		i = index(l, " -> ")
		if (i) { left = substr(l, 1, i - 1); t = substr(l, i + 4) } else { left = l; t = "" }
		nm = left; sub(/.* /, "", nm)
		path = (cur != "") ? cur "/" nm : nm
		if (path !~ /^\/proc\/[0-9]+\/[a-z0-9_\/]+$/) continue
		r = substr(path, 7); p = r; sub(/\/.*/, "", p); s = substr(r, length(p) + 2)
		if (s ~ /^fd\//) {
			nfd[p]++
			if (t !~ /^socket:\[[0-9]+\]$/) continue
			nsock[p]++
			note(p, "L " keyof(p) "/" s " " t)
			continue
		}
		if (t == "") continue
		if (s == "exe" || s == "cwd") { if (t ~ /[?]|[^ -~]/) { note(p, "X " keyof(p) "/" s " " s); continue } }
		else if (t !~ /^[a-z_]+:\[[0-9]+\]$/) { note(p, "E " keyof(p) "/" s " readlink " path ": unexpected target"); continue }
		note(p, "L " keyof(p) "/" s " " t)
		if (s == "ns/mnt") mnt[p] = t
	}
	close("b/ls.out")
	while ((getline l < "b/ls.err") > 0) {
		o = ""
		if (l ~ /^ls: \/proc\/.*: cannot read link: /) {
			path = substr(l, 5); sub(/: cannot read link: .*/, "", path)
			y = l; sub(/.*: cannot read link: /, "", y); o = "readlink"
		} else if (substr(l, 1, 16) == "ls: can" q "t open " q) {
			path = substr(l, 17); sub(q ".*", "", path)
			y = l; sub(".*" q ": ", "", y); o = "list"
		} else if (l ~ /^ls: \/proc\/[^:]*: /) {
			path = substr(l, 5); sub(/: .*/, "", path)
			y = substr(l, length(path) + 7); o = "read"
		}
		if (o == "" || path !~ /^\/proc\/[0-9]+\/[a-z0-9_\/]+$/) { lserr[++nls] = l; continue }
		r = substr(path, 7); p = r; sub(/\/.*/, "", p); s = substr(r, length(p) + 2)
		if (o == "readlink" && s ~ /^fd\//) {
			nbad[p]++
			if (!(p in fdr)) { fdr[p] = y; fdorder[++nfdp] = p }
			else if (!((p SUBSEP y) in fdl)) fdr[p] = fdr[p] SUBSEP y
			fdl[p SUBSEP y] = fdl[p SUBSEP y] " " substr(s, 4)
			continue
		}
		if (s == "fd") fdbad[p] = 1
		note(p, "E " keyof(p) "/" s " " o " " path ": " y)
	}
	fdsums()
	close("b/ls.err")
}
cut { if (($1 == "P" || $1 == "C") && $2 != self) lo = lo " " $2; next }
$1 == "T" { t = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ ?/, "", t); text($2, $3, t); next }
$1 == "R" { t = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ ?/, "", t); raw($2, $3, $4, t); next }
$1 == "F" { copied($2, $3, $4, $5); next }
$1 == "P" { if (!proc($2, $3) && $2 != self) lo = lo " " $2; next }
$1 == "C" { if (!content($2, $3)) lo = lo " " $2; next }
$1 == "S" { t = ""; for (i = 1; i <= nls; i++) t = t (i > 1 ? "; " : "") lserr[i]; if (t != "") text("error", "script/ls", t); next }
END {
	close(chunk)
	print chunk
	s = ""
	for (m in seenset) s = s " " m
	printf "%.0f %.0f %d%s\n", total, count, cut, s > "b/state"
	printf "%s\n", lo > "b/left"
}'

# step GATHER PLAN ARGS...: one step; writes its records to stdout.
step() {
	[ "$CUT" = 0 ] || return 0
	_sp_g=$1
	_sp_p=$2
	shift 2
	: > b/ls.out
	: > b/ls.err
	: > b/gone
	$_sp_g "$@"
	$_sp_p "$@" > b/plan
	$BB wc -c b/*/* > b/sizes 2> /dev/null
	$BB awk -v q="'" -v total="$total" -v count="$count" -v limit="$((CAP - RESERVE))" \
		-v cri="$CRI" -v criline="$CRI_LINE" -v capv="$CAP" -v cut=0 -v k=0 -v self="$SELF" -v seen="$SEEN" \
		-v mounts="${MOUNTS:-0}" -v cgroups="${CGROUPS:-0}" -v cgfiles="$CG_FILES" -v cmdmax="$CMDLINE_MAX" \
		"$AWK_ASSEMBLE" b/plan > b/catlist || die "assembling records failed (awk)"
	read -r total count CUT SEEN < b/state || die "assembling records left no state (awk)"
	[ -n "$SEEN" ] || SEEN=-
	$BB xargs $BB cat < b/catlist || die "cannot write the output (cat)"
	[ "$CUT" = 0 ] || { _l=; read -r _l < b/left; left $_l; }
}

# links PATHS...: one ls -ln for the links of a step, and readlink for exe and
# cwd targets that ls shows with '?' (busybox ls prints non-printable bytes so,
# which keeps every entry on one line).
links() {
	$BB ls -ln "$@" > b/ls.out 2> b/ls.err
	$BB grep -E '^l.* /proc/[0-9]+/(exe|cwd) -> .*[?]' b/ls.out > b/rawlinks
	[ -s b/rawlinks ] || return 0
	while IFS= read -r _l; do
		_l=${_l%% -> *}
		_l=${_l##* /proc/}
		_p=${_l%%/*}
		_n=${_l#*/}
		case $_p/$_n in *[!0-9]*/*|*/*[!a-z]*) continue ;; esac
		eval "_s=\${slot_$_p:-}"
		[ -n "$_s" ] || continue
		$BB readlink -n -v "/proc/$_p/$_n" > "b/$_s/$_n.raw" 2> "b/$_s/$_n.err"
	done < b/rawlinks
}

# ---- step: the run, the clock, the host, the script's own shell ---------------

head_gather() {
	printf '%s' "$ARGS_GIVEN" > b/h/args
	$BB date -u '+%s %Y-%m-%dT%H:%M:%SZ' > b/h/clock 2> b/h/clock.err
	BTIME=
	while read -r _a _b; do
		[ "$_a" = btime ] && { BTIME=$_b; break; }
	done < /proc/stat
	$BB cp /proc/uptime /proc/sys/kernel/hostname b/h/ 2> b/h/cp.err
	$BB uname -a > b/h/uname 2> b/h/uname.err
	_f="/proc/$SELF/status /proc/$SELF/cgroup"
	[ -n "$MOUNTS" ] && _f="$_f /proc/$SELF/mountinfo"
	if [ -n "$CGROUPS" ]; then
		for _c in $CG_FILES; do _f="$_f /sys/fs/cgroup/$_c"; done
	fi
	$BB cp $_f b/h/ 2> b/h/cp.err
	links /proc/$SELF/exe /proc/$SELF/ns
}

head_plan() {
	echo "T meta script/version evidence-collect 2"
	echo "T meta script/cap $CAP"
	if [ -n "$TIMED" ]; then echo "T meta script/read-timeout $READ_TIMEOUT"
	else echo "T meta script/read-timeout none: this shell has no read -t, so reads run without a timeout"; fi
	echo "T meta script/sections processes=${PROCS:-0} fds=${FDS:-0} namespaces=${NSLINKS:-0} sockets=${SOCKETS:-0} network=${NETWORK:-0} mounts=${MOUNTS:-0} cgroups=${CGROUPS:-0}"
	echo "R meta script/args b/h/args"
	echo "T meta self/pid $SELF"
	echo "R meta clock/start b/h/clock run date -u: no output"
	if [ -n "$BTIME" ]; then echo "T meta clock/btime $BTIME"
	else echo "T error clock/btime read /proc/stat: no btime line"; fi
	echo "F proc/uptime b/h/uptime /proc/uptime b/h/cp.err"
	echo "F proc/sys/kernel/hostname b/h/hostname /proc/sys/kernel/hostname b/h/cp.err"
	echo "R cmd cmd/uname-a b/h/uname run uname -a: no output"
	echo "P $SELF h"
}

# ---- steps: a batch of processes, in two passes -------------------------------
# Pass 1 (identity) reads, for every process, what says who it is: stat,
# status, comm, cgroup and the exe, cwd, ns and fd socket links. Pass 2
# (content) then reads the bulky files a process controls the size of: the
# first CMDLINE_MAX bytes of cmdline (and, when it may be longer, its true
# length with wc -c), mountinfo and cgroupfs files. So however large a pod makes
# its argv or its mounts, the cap falls on content, never on the process list.

# timed OUT ERR CMD...: runs CMD with stdout to OUT and stderr to ERR for at
# most READ_TIMEOUT seconds (see READ TIMEOUT); returns CMD's status, or 124
# when it was stopped, after adding "<applet>: '<path>': timed out after <n> s"
# to ERR for each /proc path it was given. CMD runs in the background with
# the only write end of the pipe b/w; read -t on its read end returns at
# CMD's exit (end of file) or at the timeout, and whether CMD still holds
# that write end (/proc/<pid>/fd/8) says which. CMD is this shell's own
# child, so it is killed and reaped here. (busybox timeout is not used: its
# watchdog is a grandchild it orphans at once, reparented to the pod's pid 1,
# and a pid 1 that reaps no children keeps it as a zombie in the pod: seen
# on the real cluster.)
timed() {
	_bo=$1
	_be=$2
	shift 2
	if [ -z "$TIMED" ]; then
		"$@" > "$_bo" 2> "$_be"
		return
	fi
	exec 7<> b/w 9< b/w 8> b/w 7>&-
	"$@" > "$_bo" 2> "$_be" 9<&- &
	_tp=$!
	exec 8>&-
	read -t "$READ_TIMEOUT" -u 9 _tx
	exec 9<&-
	if [ ! -h /proc/$_tp/fd/8 ]; then
		wait $_tp
		return
	fi
	kill -9 $_tp 2> /dev/null
	wait $_tp 2> /dev/null
	_tn=${1##*/}
	shift
	[ "$_tn" = busybox ] && { _tn=$1; shift; }
	for _ta; do
		case $_ta in /proc/*) echo "$_tn: '$_ta': timed out after $READ_TIMEOUT s" >> "$_be" ;; esac
	done
	return 124
}

ident_gather() {
	_a=
	_i=0
	for _p; do
		_i=$((_i + 1))
		eval "slot_$_p=s$_i"
		_a="$_a /proc/$_p/exe /proc/$_p/cwd"
		[ -n "$FDS" ] && _a="$_a /proc/$_p/fd"
		[ -n "$NSLINKS" ] && _a="$_a /proc/$_p/ns"
	done
	links $_a
	_i=0
	for _p; do
		_i=$((_i + 1))
		timed /dev/null b/s$_i/cp.err $BB cp /proc/$_p/stat /proc/$_p/status /proc/$_p/comm /proc/$_p/cgroup b/s$_i/
		_r=$?
		[ $_r -le 1 ] || [ $_r = 124 ] || die "cp could not run (exit status $_r)"
		[ -d /proc/$_p ] || echo "$_p" >> b/gone
	done
}

ident_plan() {
	_i=0
	for _p; do _i=$((_i + 1)); echo "P $_p s$_i"; done
	echo S
}

content_gather() {
	_a=
	for _p; do _a="$_a /proc/$_p/ns/mnt"; done
	{ [ -n "$MOUNTS" ] || [ -n "$CGROUPS" ]; } && $BB ls -ln $_a > b/ls.out 2> b/ls.err
	_i=0
	_a=
	for _p; do
		_i=$((_i + 1))
		eval "pid_s$_i=$_p"
		_a="$_a b/s$_i/cmdline"
		: > b/s$_i/cmdline.len
		: > b/s$_i/cmdline.lerr
		timed b/s$_i/cmdline b/s$_i/cmdline.err $BB head -c "$CMDLINE_MAX" /proc/$_p/cmdline
	done
	# A prefix of CMDLINE_MAX bytes may be all of it or a cut: wc -c (one for
	# the step) finds those, and a second wc -c reads their true length.
	$BB wc -c $_a > b/cmdsizes 2> /dev/null
	while read -r _s _c; do
		case $_s in ''|*[!0-9]*) continue ;; esac
		case $_c in b/s*/cmdline) ;; *) continue ;; esac
		[ "$_s" -ge "$CMDLINE_MAX" ] || continue
		_c=${_c#b/}
		_c=${_c%/cmdline}
		eval "_p=\${pid_$_c:-}"
		[ -n "$_p" ] && timed b/$_c/cmdline.len b/$_c/cmdline.lerr $BB wc -c /proc/$_p/cmdline
	done < b/cmdsizes
	_i=0
	for _p; do
		_i=$((_i + 1))
		: > b/s$_i/cp.err
		_f=
		[ -n "$MOUNTS" ] && _f="$_f /proc/$_p/mountinfo"
		# cgroupfs files are reached through the process's root, which the pod
		# controls: a symlink or a FIFO planted there is left alone, not followed
		# or read (cp would block on a FIFO).
		_x=
		if [ -n "$CGROUPS" ]; then
			for _c in $CG_FILES; do
				_c=/proc/$_p/root/sys/fs/cgroup/$_c
				if [ -h "$_c" ] || { [ -e "$_c" ] && [ ! -f "$_c" ]; }; then _x="$_x $_c"; else _f="$_f $_c"; fi
			done
		fi
		if [ -n "$_f" ]; then
			timed /dev/null b/s$_i/cp.err $BB cp $_f b/s$_i/
			_r=$?
			[ $_r -le 1 ] || [ $_r = 124 ] || die "cp could not run (exit status $_r)"
		fi
		for _c in $_x; do echo "cp: can't open '$_c': not a regular file, left alone" >> b/s$_i/cp.err; done
	done
}

content_plan() {
	_i=0
	for _p; do _i=$((_i + 1)); echo "C $_p s$_i"; done
}

# ---- step: sockets and, with the network section, interfaces and routes ------

net_gather() {
	_f=
	for _n in $NET_FILES; do _f="$_f /proc/net/$_n"; done
	[ -n "$_f" ] && $BB cp $_f b/n/ 2> b/n/cp.err
	if [ -n "$NETWORK" ] && command -v ip >/dev/null 2>&1; then
		ip addr > b/n/ip-addr 2> b/n/ip-addr.err
	fi
}

net_plan() {
	for _n in $NET_FILES; do echo "F proc/net/$_n b/n/$_n /proc/net/$_n b/n/cp.err"; done
	[ -n "$NETWORK" ] && echo "R cmd cmd/ip-addr b/n/ip-addr run ip addr: the image has no ip command"
	return 0
}

# ---- the run -----------------------------------------------------------------

# left PIDS...: counts processes left out at the cap; lists the first ones.
left() {
	for _l; do
		NLEFT=$((NLEFT + 1))
		[ ${#LEFT} -le $((LEFT_LIST - 11)) ] || continue
		LEFT="$LEFT $_l"
		LISTED=$((LISTED + 1))
	done
}

# pass NAME PATHS...: steps NAME_gather and NAME_plan over the pids of PATHS,
# BATCH at a time; after a cut, counts the rest as left out.
pass() {
	_ps=$1
	shift
	_batch=
	_n=0
	for _d; do
		_p=${_d#/proc/}
		case $_p in *[!0-9]*) continue ;; esac
		[ "$_p" = "$SELF" ] && continue
		if [ "$CUT" != 0 ]; then left "$_p"; continue; fi
		_batch="$_batch $_p"
		_n=$((_n + 1))
		if [ $_n -ge "$BATCH" ]; then
			step ${_ps}_gather ${_ps}_plan $_batch
			_batch=
			_n=0
		fi
	done
	[ -n "$_batch" ] && step ${_ps}_gather ${_ps}_plan $_batch
	return 0
}

# collect PATHS...: the whole stream, in order, on stdout, which is the pipe
# into hash_tee; PATHS are the /proc/<pid> directories, listed before the
# pipeline started so that none of its processes is among them. It cannot
# reach the container's stdout (fd 4) itself. Last it writes the number of
# bytes it wrote into ok, for the parent to compare with what was hashed.
collect() {
	IN_COLLECT=1
	NLEFT=0
	LISTED=0
	LEFT=
	printf '%s\n' "$_hdr" || die "cannot write the output"
	total=$((${#_hdr} + 1))
	step head_gather head_plan
	[ -n "$NET_FILES" ] && step net_gather net_plan
	_lk=script/left-out
	if [ -n "$PROCS" ]; then
		pass ident "$@"
		if [ "$CUT" = 0 ]; then
			_lk=script/content-left-out
			pass content "$@"
		fi
	fi

	# Closing records, in the room RESERVE kept.
	if [ "$CUT" != 0 ]; then
		_l="processes=$NLEFT listed=$LISTED pids=${LEFT# }"
		_h="@meta $_lk ${#_l}"
		printf '%s\n%s\n' "$_h" "$_l" || die "cannot write the output"
		total=$((total + ${#_h} + ${#_l} + 2))
		count=$((count + 1))
	fi
	_c=$($BB date -u '+%s %Y-%m-%dT%H:%M:%SZ' 2>/dev/null)
	_c="${_c:-unknown}
"
	_h="@meta clock/end ${#_c}"
	printf '%s\n%s\n' "$_h" "$_c" || die "cannot write the output"
	total=$((total + ${#_h} + ${#_c} + 2))
	count=$((count + 1))
	_p="records=$count bytes=$total"
	_h="@end trailer ${#_p}"
	printf '%s\n%s\n' "$_h" "$_p" || die "cannot write the output"
	echo "$((total + ${#_h} + ${#_p} + 2))" > ok
}

# The hashing pipeline: tee writes every byte collect writes both to the
# container's stdout (fd 4) and, through fds 5 and 6, to sha256sum and wc -c.
# Each leaves its exit status in rc.<name>: the parent checks them all.
# base64 encodes the stream (see TRANSPORT); the newline after it ends the
# log's one line.
encode() {
	$BB base64 -w 0
	echo $? > rc.b64
	echo
}
hash_tee() {
	$BB tee /proc/self/fd/5 /proc/self/fd/6 >&4 4>&-
	echo $? > rc.tee
}
hash_sum() {
	$BB sha256sum > sum
	echo $? > rc.sum
}
hash_count() {
	$BB wc -c > count
	echo $? > rc.count
}

exec 4>&1
# The pid list, read while the script has no child: neither collect nor the
# hashing processes are in it.
set -- /proc/[0-9]*
{ { collect "$@" 4>&- 5>&- 6>&- | encode 4>&- 5>&- 6>&- | hash_tee; } 5>&1 | hash_sum 4>&- 6>&-; } 6>&1 | hash_count 4>&-

# collect said why when it died; the EXIT trap removes the temporary directory.
[ -f died ] && exit 2
_r=
read -r _r < rc.b64 2>/dev/null
[ "$_r" = 0 ] || die "encoding the output failed (base64 exit status ${_r:-unknown})"
_r=
read -r _r < rc.tee 2>/dev/null
[ "$_r" = 0 ] || die "writing the output to stdout failed (tee exit status ${_r:-unknown})"
_r=
read -r _r < rc.sum 2>/dev/null
[ "$_r" = 0 ] || die "cannot compute the SHA-256 of the output (sha256sum exit status ${_r:-unknown})"
_r=
read -r _r < rc.count 2>/dev/null
[ "$_r" = 0 ] || die "cannot count the bytes of the output (wc exit status ${_r:-unknown})"
_w=
read -r _w < ok 2>/dev/null
[ -n "$_w" ] || die "the collection stopped before it finished"
_sum=
read -r _sum _r < sum 2>/dev/null
case $_sum in *[!0-9a-f]*|'') _sum=x ;; esac
[ ${#_sum} = 64 ] || die "sha256sum gave no digest of the output"
_n=
read -r _n _r < count 2>/dev/null
case $_n in ''|*[!0-9]*) die "wc gave no byte count of the output" ;; esac
[ "$_n" = $(( (_w + 2) / 3 * 4 + 1 )) ] || die "the output hashed has $_n bytes, but the script wrote $_w bytes of stream, which encode to $(( (_w + 2) / 3 * 4 + 1 ))"
if [ -n "$TLOG" ] && [ "$TLOG" != - ]; then
	printf 'sha256:%s bytes:%s' "$_sum" "$_n" > "$TLOG" || echo "evidence-collect: could not write the termination message to $TLOG" >&2
fi
exit 0
