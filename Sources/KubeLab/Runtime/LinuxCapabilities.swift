/// Linux capabilities as a container runtime grants them from a securityContext, rendered
/// as the arguments of util-linux `setpriv`.
enum LinuxCapabilities {
    /// Names by number (linux/capability.h), as Kubernetes spells them without the `CAP_` prefix.
    static let names: [String] = [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE",
    ]

    /// containerd's default set (the one `docker run` also grants): no SYS_PTRACE, no NET_ADMIN, no SYS_ADMIN.
    static let runtimeDefault: [String] = [
        "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
        "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
    ]

    /// `SYS_PTRACE` or `CAP_SYS_PTRACE` (any case) → `SYS_PTRACE`; nil when unknown.
    static func canonical(_ name: String) -> String? {
        var n = name.uppercased()
        if n.hasPrefix("CAP_") { n.removeFirst(4) }
        if n == "ALL" { return n }
        return names.contains(n) ? n : nil
    }

    /// The bounding set a container gets, as containerd computes it: the default set, `ALL` in
    /// add grants everything, `ALL` in drop clears it, then the named additions and drops apply.
    /// Unknown names are returned separately: the real runtime refuses to create the container.
    static func effectiveSet(add: [String], drop: [String], available: Int) -> (set: [String], unknown: [String]) {
        let all = Array(names.prefix(available))
        var unknown: [String] = []
        let adds = add.compactMap { name -> String? in
            guard let c = canonical(name) else { unknown.append(name); return nil }
            return c
        }
        let drops = drop.compactMap { name -> String? in
            guard let c = canonical(name) else { unknown.append(name); return nil }
            return c
        }
        var set = Set(runtimeDefault)
        if adds.contains("ALL") { set = Set(all) }
        if drops.contains("ALL") { set = [] }
        set.formUnion(adds.filter { $0 != "ALL" })
        set.subtract(drops.filter { $0 != "ALL" })
        return (all.filter { set.contains($0) }, unknown)
    }

    /// `setpriv` arguments for the final exec into the container's command.
    ///
    /// Root gets the set in its bounding, permitted and effective sets (exec as uid 0 grants the
    /// bounding set). Another uid loses all capabilities on the uid change and gets none back at
    /// exec, exactly as under containerd + runc: a non-root container's added capabilities only
    /// bound it. Inheritable and ambient sets stay empty, as runc leaves them since CVE-2022-29162.
    static func setprivArguments(set: [String], privileged: Bool, uid: Int, gid: Int, noNewPrivileges: Bool) -> [String] {
        var args: [String] = []
        if uid != 0 || gid != 0 {
            args += ["--reuid", String(uid), "--regid", String(gid), "--clear-groups"]
        }
        if !privileged {
            let list = set.map { "+" + $0.lowercased() }
            args += ["--bounding-set", (["-all"] + list).joined(separator: ",")]
        }
        args += ["--inh-caps", "-all"]
        if noNewPrivileges { args.append("--no-new-privs") }
        return args
    }
}
