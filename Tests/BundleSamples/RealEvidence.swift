/// One checkout pod's evidence as `collect` wrote it from the lab (demo topology,
/// 2026-11-29), verbatim: the base the tests change one thing at a time.
public enum RealEvidence {
    public static let processes = #"""
{
  "bootTime" : 1795911543,
  "bootTimeUTC" : "2026-11-29T00:19:03.00Z",
  "clockTicksPerSecond" : 100,
  "clockTicksSource" : "default",
  "evidenceShellPid" : 24,
  "formatVersion" : 1,
  "gaps" : [

  ],
  "pageSize" : 4096,
  "problems" : [

  ],
  "processes" : [
    {
      "argv" : [
        "httpd",
        "-f",
        "-p",
        "8080"
      ],
      "argvTruncated" : false,
      "capEff" : "00000000a80425fb",
      "capabilities" : [
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_RAW",
        "CAP_SYS_CHROOT",
        "CAP_MKNOD",
        "CAP_AUDIT_WRITE",
        "CAP_SETFCAP"
      ],
      "cgroups" : [
        {
          "controllers" : "name=systemd",
          "hierarchy" : 9,
          "path" : "/"
        },
        {
          "controllers" : "pids",
          "hierarchy" : 8,
          "path" : "/kubelab/406b22b1-05b4-4246-8288-08a8e48a249a/app"
        },
        {
          "controllers" : "blkio",
          "hierarchy" : 7,
          "path" : "/"
        },
        {
          "controllers" : "freezer",
          "hierarchy" : 6,
          "path" : "/"
        },
        {
          "controllers" : "devices",
          "hierarchy" : 5,
          "path" : "/"
        },
        {
          "controllers" : "memory",
          "hierarchy" : 4,
          "path" : "/process_api/69898ee8382f8367128ce423c81a918b"
        },
        {
          "controllers" : "cpuset",
          "hierarchy" : 3,
          "path" : "/"
        },
        {
          "controllers" : "cpuacct",
          "hierarchy" : 2,
          "path" : "/"
        },
        {
          "controllers" : "cpu",
          "hierarchy" : 1,
          "path" : "/"
        },
        {
          "controllers" : "",
          "hierarchy" : 0,
          "path" : "/kubelab/406b22b1-05b4-4246-8288-08a8e48a249a/app"
        }
      ],
      "comm" : "httpd",
      "commandLine" : "httpd -f -p 8080",
      "cwd" : "/tmp/dwork/kubelab-state/runtime/pods/shop_checkout-6c58576cd9-7drqs_406b22b1-05b4-4246-8288-08a8e48a249a/run/app/rootfs",
      "cwdDeleted" : false,
      "exe" : "/tmp/dwork/kubelab-state/runtime/pods/shop_checkout-6c58576cd9-7drqs_406b22b1-05b4-4246-8288-08a8e48a249a/run/app/rootfs/bin/busybox",
      "exeDeleted" : false,
      "exited" : false,
      "fds" : {
        "sockets" : 1,
        "total" : 4,
        "unreadable" : 0
      },
      "gid" : {
        "effective" : 0,
        "real" : 0
      },
      "kernelThread" : false,
      "namespaces" : {
        "cgroup" : 4026531835,
        "ipc" : 4026532751,
        "mnt" : 4026533896,
        "net" : 4026532752,
        "pid" : 4026533897,
        "pid_for_children" : 4026533897,
        "time" : 4026531834,
        "time_for_children" : 4026531834,
        "user" : 4026531837,
        "uts" : 4026532750
      },
      "nspid" : [
        1
      ],
      "pid" : 1,
      "ppid" : 0,
      "problems" : [

      ],
      "rssBytes" : 2019328,
      "rssSource" : "status VmRSS",
      "socketFDs" : [
        {
          "fd" : 3,
          "inode" : 1523038
        }
      ],
      "startTicks" : 626086,
      "startTime" : "2026-11-29T02:03:23.86Z",
      "startTimeEpoch" : 1795917803.86,
      "state" : "S",
      "stateName" : "sleeping",
      "threads" : 1,
      "uid" : {
        "effective" : 0,
        "real" : 0
      }
    },
    {
      "argv" : [
        "httpd",
        "-f",
        "-p",
        "8080"
      ],
      "argvTruncated" : false,
      "capEff" : "00000000a80425fb",
      "capabilities" : [
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_RAW",
        "CAP_SYS_CHROOT",
        "CAP_MKNOD",
        "CAP_AUDIT_WRITE",
        "CAP_SETFCAP"
      ],
      "cgroups" : [
        {
          "controllers" : "name=systemd",
          "hierarchy" : 9,
          "path" : "/"
        },
        {
          "controllers" : "pids",
          "hierarchy" : 8,
          "path" : "/kubelab/406b22b1-05b4-4246-8288-08a8e48a249a/app"
        },
        {
          "controllers" : "blkio",
          "hierarchy" : 7,
          "path" : "/"
        },
        {
          "controllers" : "freezer",
          "hierarchy" : 6,
          "path" : "/"
        },
        {
          "controllers" : "devices",
          "hierarchy" : 5,
          "path" : "/"
        },
        {
          "controllers" : "memory",
          "hierarchy" : 4,
          "path" : "/process_api/69898ee8382f8367128ce423c81a918b"
        },
        {
          "controllers" : "cpuset",
          "hierarchy" : 3,
          "path" : "/"
        },
        {
          "controllers" : "cpuacct",
          "hierarchy" : 2,
          "path" : "/"
        },
        {
          "controllers" : "cpu",
          "hierarchy" : 1,
          "path" : "/"
        },
        {
          "controllers" : "",
          "hierarchy" : 0,
          "path" : "/kubelab/406b22b1-05b4-4246-8288-08a8e48a249a/app"
        }
      ],
      "comm" : "httpd",
      "commandLine" : "httpd -f -p 8080",
      "cwd" : "/tmp/dwork/kubelab-state/runtime/pods/shop_checkout-6c58576cd9-7drqs_406b22b1-05b4-4246-8288-08a8e48a249a/run/app/rootfs",
      "cwdDeleted" : false,
      "exe" : "/tmp/dwork/kubelab-state/runtime/pods/shop_checkout-6c58576cd9-7drqs_406b22b1-05b4-4246-8288-08a8e48a249a/run/app/rootfs/bin/busybox",
      "exeDeleted" : false,
      "exited" : false,
      "fds" : {
        "sockets" : 2,
        "total" : 3,
        "unreadable" : 0
      },
      "gid" : {
        "effective" : 0,
        "real" : 0
      },
      "kernelThread" : false,
      "namespaces" : {
        "cgroup" : 4026531835,
        "ipc" : 4026532751,
        "mnt" : 4026533896,
        "net" : 4026532752,
        "pid" : 4026533897,
        "pid_for_children" : 4026533897,
        "time" : 4026531834,
        "time_for_children" : 4026531834,
        "user" : 4026531837,
        "uts" : 4026532750
      },
      "nspid" : [
        23
      ],
      "pid" : 23,
      "ppid" : 1,
      "problems" : [

      ],
      "rssBytes" : 1536000,
      "rssSource" : "status VmRSS",
      "socketFDs" : [
        {
          "fd" : 0,
          "inode" : 1523039
        },
        {
          "fd" : 1,
          "inode" : 1523039
        }
      ],
      "startTicks" : 626116,
      "startTime" : "2026-11-29T02:03:24.16Z",
      "startTimeEpoch" : 1795917804.16,
      "state" : "S",
      "stateName" : "sleeping",
      "threads" : 1,
      "uid" : {
        "effective" : 0,
        "real" : 0
      }
    }
  ],
  "processesLeftOut" : 0
}
"""#

    public static let sockets = #"""
{
  "connections" : [
    {
      "family" : "ipv4",
      "inode" : 1523915,
      "ipv4Mapped" : false,
      "localAddress" : "127.0.0.1",
      "localPort" : 58520,
      "owners" : [

      ],
      "remoteAddress" : "127.0.0.1",
      "remotePort" : 8080,
      "role" : "connection",
      "state" : "ESTABLISHED",
      "stateCode" : 1,
      "table" : "tcp",
      "transport" : "tcp",
      "uid" : 0
    },
    {
      "family" : "ipv6",
      "inode" : 1523039,
      "ipv4Mapped" : true,
      "localAddress" : "127.0.0.1",
      "localPort" : 8080,
      "owners" : [
        {
          "comm" : "httpd",
          "fd" : 0,
          "pid" : 23
        },
        {
          "comm" : "httpd",
          "fd" : 1,
          "pid" : 23
        }
      ],
      "remoteAddress" : "127.0.0.1",
      "remotePort" : 58520,
      "role" : "connection",
      "state" : "ESTABLISHED",
      "stateCode" : 1,
      "table" : "tcp6",
      "transport" : "tcp",
      "uid" : 0
    }
  ],
  "formatVersion" : 1,
  "gaps" : [

  ],
  "listeners" : [
    {
      "family" : "ipv6",
      "inode" : 1523038,
      "ipv4Mapped" : false,
      "localAddress" : "::",
      "localPort" : 8080,
      "owners" : [
        {
          "comm" : "httpd",
          "fd" : 3,
          "pid" : 1
        }
      ],
      "remoteAddress" : "::",
      "remotePort" : 0,
      "role" : "listener",
      "state" : "LISTEN",
      "stateCode" : 10,
      "table" : "tcp6",
      "transport" : "tcp",
      "uid" : 0
    }
  ],
  "other" : [

  ],
  "problems" : [

  ],
  "tables" : [
    {
      "entries" : 1,
      "leftOut" : 0,
      "name" : "tcp",
      "present" : true
    },
    {
      "entries" : 2,
      "leftOut" : 0,
      "name" : "tcp6",
      "present" : true
    },
    {
      "entries" : 0,
      "leftOut" : 0,
      "name" : "udp",
      "present" : true
    },
    {
      "entries" : 0,
      "leftOut" : 0,
      "name" : "udp6",
      "present" : true
    },
    {
      "entries" : 0,
      "leftOut" : 0,
      "name" : "raw",
      "present" : true
    },
    {
      "entries" : 0,
      "leftOut" : 0,
      "name" : "raw6",
      "present" : true
    },
    {
      "entries" : 0,
      "leftOut" : 0,
      "name" : "unix",
      "present" : true
    }
  ],
  "unix" : [

  ],
  "unownedSockets" : 1
}
"""#

    public static let namespaces = #"""
{
  "anomalies" : [

  ],
  "container" : {
    "comm" : "httpd",
    "namespaces" : {
      "cgroup" : 4026531835,
      "ipc" : 4026532751,
      "mnt" : 4026533896,
      "net" : 4026532752,
      "pid" : 4026533897,
      "pid_for_children" : 4026533897,
      "time" : 4026531834,
      "time_for_children" : 4026531834,
      "user" : 4026531837,
      "uts" : 4026532750
    },
    "pid" : 1
  },
  "evidenceContainer" : {
    "namespaces" : {
      "cgroup" : 4026531835,
      "ipc" : 4026532751,
      "mnt" : 4026532256,
      "net" : 4026532752,
      "pid" : 4026533897,
      "pid_for_children" : 4026533897,
      "time" : 4026531834,
      "time_for_children" : 4026531834,
      "user" : 4026531837,
      "uts" : 4026532750
    },
    "pid" : 24
  },
  "formatVersion" : 1,
  "gaps" : [

  ],
  "notShared" : [
    "mnt"
  ],
  "problems" : [

  ],
  "processes" : [
    {
      "comm" : "httpd",
      "namespaces" : {
        "cgroup" : 4026531835,
        "ipc" : 4026532751,
        "mnt" : 4026533896,
        "net" : 4026532752,
        "pid" : 4026533897,
        "pid_for_children" : 4026533897,
        "time" : 4026531834,
        "time_for_children" : 4026531834,
        "user" : 4026531837,
        "uts" : 4026532750
      },
      "pid" : 1
    },
    {
      "comm" : "httpd",
      "namespaces" : {
        "cgroup" : 4026531835,
        "ipc" : 4026532751,
        "mnt" : 4026533896,
        "net" : 4026532752,
        "pid" : 4026533897,
        "pid_for_children" : 4026533897,
        "time" : 4026531834,
        "time_for_children" : 4026531834,
        "user" : 4026531837,
        "uts" : 4026532750
      },
      "pid" : 23
    }
  ],
  "shared" : [
    "cgroup",
    "ipc",
    "net",
    "pid",
    "pid_for_children",
    "time",
    "time_for_children",
    "user",
    "uts"
  ],
  "sharing" : [
    {
      "container" : 4026531835,
      "evidenceContainer" : 4026531835,
      "shared" : true,
      "type" : "cgroup"
    },
    {
      "container" : 4026532751,
      "evidenceContainer" : 4026532751,
      "shared" : true,
      "type" : "ipc"
    },
    {
      "container" : 4026533896,
      "evidenceContainer" : 4026532256,
      "shared" : false,
      "type" : "mnt"
    },
    {
      "container" : 4026532752,
      "evidenceContainer" : 4026532752,
      "shared" : true,
      "type" : "net"
    },
    {
      "container" : 4026533897,
      "evidenceContainer" : 4026533897,
      "shared" : true,
      "type" : "pid"
    },
    {
      "container" : 4026533897,
      "evidenceContainer" : 4026533897,
      "shared" : true,
      "type" : "pid_for_children"
    },
    {
      "container" : 4026531834,
      "evidenceContainer" : 4026531834,
      "shared" : true,
      "type" : "time"
    },
    {
      "container" : 4026531834,
      "evidenceContainer" : 4026531834,
      "shared" : true,
      "type" : "time_for_children"
    },
    {
      "container" : 4026531837,
      "evidenceContainer" : 4026531837,
      "shared" : true,
      "type" : "user"
    },
    {
      "container" : 4026532750,
      "evidenceContainer" : 4026532750,
      "shared" : true,
      "type" : "uts"
    }
  ],
  "unknown" : [

  ]
}
"""#

}
