/// The busybox sh scripts that set up a sandbox and a container. They run as root on the host
/// file system, inside the namespaces unshare/nsenter gave them, and end in `exec`: the script's
/// process becomes the sandbox or the container's first process. Parameters come in `KL_*`
/// environment variables (paths built by the runtime); the container's final command line is
/// `"$@"`, which starts with `env -i`, so none of them reaches the container. Joining a cgroup
/// is best effort (a delegated cgroup tree may refuse it): the container then stays in the lab's.
enum ContainerScripts {
    /// The pause process: holds the pod's net, ipc and uts namespaces (and, with
    /// shareProcessNamespace, is pid 1 of the pod's pid namespace and reaps orphans there).
    ///
    /// With a shared pid namespace every container sees it as pid 1, and one with
    /// CAP_SYS_PTRACE could read the host through its /proc/1/root. So there, as with the pause
    /// image, its root holds only its program, `/busybox` (the static busybox, which finds its
    /// applet by its own name, so it cannot be called `pause`), and `/dev/null` (the shell's `&`
    /// opens it): in its own mount namespace it pivots into a read-only tmpfs, and detaches the
    /// old root with the busybox inside the new one. Without a shared pid namespace no container
    /// can see the pause process, and it skips the mount work, which is not free when a lab
    /// starts hundreds of pods at once (each detach waits for the kernel's RCU).
    static let sandbox = #"""
        set -e
        for f in $KL_CGROUP_PROCS; do echo 0 2>/dev/null > "$f" || :; done
        "$KL_BUSYBOX" hostname "$KL_HOSTNAME"
        "$KL_BUSYBOX" ip link set lo up
        read -r pid rest < /proc/self/stat
        if [ "$KL_PID_NAMESPACE" != 1 ]; then
            exec 3>&1 >/dev/null 2>&1
            echo "kubelab-ready $pid" >&3
            exec 3>&-
            exec "$KL_BUSYBOX" sleep 2147483647
        fi
        R="$KL_SANDBOX_ROOT"
        "$KL_BUSYBOX" mount -t tmpfs -o nosuid,nodev,mode=755,size=64k pause "$R"
        : > "$R/busybox"
        "$KL_BUSYBOX" mount -o bind "$KL_BUSYBOX" "$R/busybox"
        "$KL_BUSYBOX" mkdir "$R/dev"
        : > "$R/dev/null"
        "$KL_BUSYBOX" mount -o bind /dev/null "$R/dev/null"
        "$KL_BUSYBOX" mount -o remount,ro,nosuid,nodev "$R"
        exec 3>&1 >/dev/null 2>&1
        # closeInherited, keeping 3 for the handshake (it needs /proc, gone after the pivot).
        for f in /proc/self/fd/*; do n=${f##*/}; case $n in 0|1|2|3) ;; *) eval "exec $n>&-" ;; esac; done
        cd "$R"
        "$KL_BUSYBOX" pivot_root . .
        /busybox umount -l .
        cd /
        echo "kubelab-ready $pid" >&3
        exec 3>&-
        while :; do /busybox sleep 2147483647 & wait $! || :; done
        """#

    /// A container: joins its cgroups, builds its root in its own mount namespace (the image
    /// root read-only, /proc of its pid namespace, a small /dev, /dev/termination-log, tmpfs /tmp,
    /// the pod's /etc/hostname, /etc/hosts, /etc/resolv.conf), opens setpriv for the final step,
    /// sends stdout and stderr to the log, stdin from its pipe (`KL_STDIN`, for attach) or
    /// /dev/null, reports its host pid and execs into "$@".
    static let container = #"""
        set -e
        \#(closeInherited)
        for f in $KL_CGROUP_PROCS; do echo 0 2>/dev/null > "$f" || :; done
        R="$KL_ROOTFS"
        mount --bind "$KL_IMAGE_ROOTFS" "$R"
        mount -o remount,bind,ro,nosuid,nodev "$R"
        mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
        mount -t tmpfs -o nosuid,mode=755,size=65536k tmpfs "$R/dev"
        for d in null zero full random urandom tty; do
            : > "$R/dev/$d"
            mount --bind "/dev/$d" "$R/dev/$d"
        done
        ln -s /proc/self/fd "$R/dev/fd"
        ln -s /proc/self/fd/0 "$R/dev/stdin"
        ln -s /proc/self/fd/1 "$R/dev/stdout"
        ln -s /proc/self/fd/2 "$R/dev/stderr"
        mkdir "$R/dev/shm"
        mount -t tmpfs -o nosuid,nodev,noexec,mode=1777,size=65536k shm "$R/dev/shm"
        : > "$R/dev/termination-log"
        mount --bind "$KL_TERMINATION_LOG" "$R/dev/termination-log"
        mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$R/tmp"
        mount --bind "$KL_ETC_HOSTNAME" "$R/etc/hostname"
        mount --bind "$KL_ETC_HOSTS" "$R/etc/hosts"
        mount --bind "$KL_ETC_RESOLV" "$R/etc/resolv.conf"
        read -r pid rest < /proc/self/stat
        exec 7<"$KL_SETPRIV" 8<"$KL_LOADER" 9<"$KL_LIBRARIES"
        exec 3>&1 >>"$KL_LOG" 2>&1 <"${KL_STDIN:-/dev/null}"
        echo "kubelab-ready $pid" >&3
        exec 3>&-
        exec "$@"
        """#

    /// Makes the container's prepared root (`$1`) the root of its mount namespace, the way runc
    /// does (`pivot_root . .`, then detach the old root), and execs the rest of the arguments.
    /// Runs in the host's static busybox, whose shell finds its applets without a PATH.
    static let pivotRoot = #"cd "$1" && shift && pivot_root . . && umount -l . && cd / && exec "$@""#

    /// Closes every descriptor but 0, 1 and 2. Foundation's `Process` gives its child one end of
    /// a socket pair and notices the exit when the socket closes; the process it started (unshare
    /// or nsenter, which waits for the container) keeps its copy, but the container must not
    /// inherit one: it would show up as a stray socket in the pod's evidence.
    /// Never run this in a process Foundation started itself (it would report it exited).
    static let closeInherited = #"for f in /proc/self/fd/*; do n=${f##*/}; case $n in 0|1|2) ;; *) eval "exec $n>&-" ;; esac; done"#

    /// The last hop inside the container's root, run by setpriv with the container's
    /// credentials: closes the descriptors that carried setpriv in, then becomes the command.
    static let closeAndExec = #"exec 7<&- 8<&- 9<&-; exec "$@""#
}
