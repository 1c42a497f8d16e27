extension Schemas {
    /// `processes.json` (Evidence's `ProcessTable`, formatVersion 1).
    static let processes = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "urn:kubectl-evidence:schema:processes:1",
      "title": "kubectl-evidence processes of one container",
      "description": "Every process the evidence container saw in its target's pid namespace. Text a process controls (comm, argv, exe, cwd, cgroup paths) is escaped: never a raw control byte.",
      "type": "object",
      "required": ["formatVersion", "clockTicksPerSecond", "clockTicksSource", "pageSize", "processes", "processesLeftOut", "problems", "gaps"],
      "additionalProperties": false,
      "properties": {
        "formatVersion": { "const": 1 },
        "clockTicksPerSecond": { "type": "integer", "minimum": 1 },
        "clockTicksSource": { "enum": ["evidence", "option", "default"] },
        "pageSize": { "type": "integer", "minimum": 1 },
        "bootTime": { "type": "integer" },
        "bootTimeUTC": { "type": "string" },
        "evidenceShellPid": { "type": "integer" },
        "processes": { "type": "array", "items": { "$ref": "#/$defs/process" } },
        "processesLeftOut": { "$ref": "#/$defs/uint" },
        "problems": { "type": "array", "items": { "$ref": "#/$defs/problem" } },
        "gaps": { "type": "array", "items": { "$ref": "#/$defs/gap" } }
      },
      "$defs": {
        "idPair": {
          "type": "object",
          "required": ["real", "effective"],
          "additionalProperties": false,
          "properties": { "real": { "$ref": "#/$defs/uint" }, "effective": { "$ref": "#/$defs/uint" } }
        },
        "process": {
          "type": "object",
          "required": ["pid", "argv", "argvTruncated", "commandLine", "exeDeleted", "cwdDeleted", "namespaces", "cgroups", "socketFDs", "kernelThread", "exited", "problems"],
          "additionalProperties": false,
          "properties": {
            "pid": { "type": "integer", "minimum": 0 },
            "ppid": { "type": "integer", "minimum": 0 },
            "state": { "type": "string" },
            "stateName": { "type": "string" },
            "comm": { "type": "string" },
            "argv": { "type": "array", "items": { "type": "string" } },
            "argvTruncated": { "type": "boolean" },
            "argvBytes": { "$ref": "#/$defs/uint" },
            "commandLine": { "type": "string" },
            "exe": { "type": "string" },
            "exeDeleted": { "type": "boolean" },
            "cwd": { "type": "string" },
            "cwdDeleted": { "type": "boolean" },
            "uid": { "$ref": "#/$defs/idPair" },
            "gid": { "$ref": "#/$defs/idPair" },
            "threads": { "$ref": "#/$defs/uint" },
            "rssBytes": { "$ref": "#/$defs/uint" },
            "rssSource": { "type": "string" },
            "nspid": { "type": "array", "items": { "$ref": "#/$defs/uint" } },
            "capEff": { "type": "string", "pattern": "^[0-9a-fA-F]{1,16}$" },
            "capabilities": { "type": "array", "items": { "type": "string" } },
            "startTicks": { "$ref": "#/$defs/uint" },
            "startTime": { "type": "string" },
            "startTimeEpoch": { "type": "number" },
            "namespaces": { "type": "object", "additionalProperties": { "$ref": "#/$defs/uint" } },
            "cgroups": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["hierarchy", "controllers", "path"],
                "additionalProperties": false,
                "properties": {
                  "hierarchy": { "$ref": "#/$defs/uint" },
                  "controllers": { "type": "string" },
                  "path": { "type": "string" }
                }
              }
            },
            "fds": {
              "type": "object",
              "required": ["total", "sockets", "unreadable"],
              "additionalProperties": false,
              "properties": {
                "total": { "type": "integer" }, "sockets": { "type": "integer" }, "unreadable": { "type": "integer" }
              }
            },
            "socketFDs": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["fd", "inode"],
                "additionalProperties": false,
                "properties": { "fd": { "type": "integer" }, "inode": { "$ref": "#/$defs/uint" } }
              }
            },
            "kernelThread": { "type": "boolean" },
            "exited": { "type": "boolean" },
            "problems": { "type": "array", "items": { "$ref": "#/$defs/problem" } }
          }
        },
    \#(evidenceDefs)
      }
    }
    """#

    /// `sockets.json` (Evidence's `SocketTable`, formatVersion 1).
    static let sockets = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "urn:kubectl-evidence:schema:sockets:1",
      "title": "kubectl-evidence sockets of one pod's network namespace",
      "description": "The /proc/net tables decoded (addresses in the usual notation, IPv4-mapped IPv6 shown as IPv4), each socket with the processes and fds that hold it; listeners apart from connections.",
      "type": "object",
      "required": ["formatVersion", "listeners", "connections", "other", "unix", "tables", "unownedSockets", "unixVerification", "anomalies", "problems", "gaps"],
      "additionalProperties": false,
      "properties": {
        "formatVersion": { "const": 1 },
        "listeners": { "type": "array", "items": { "$ref": "#/$defs/inet", "properties": { "role": { "const": "listener" } } } },
        "connections": { "type": "array", "items": { "$ref": "#/$defs/inet", "properties": { "role": { "const": "connection" } } } },
        "other": { "type": "array", "items": { "$ref": "#/$defs/inet", "properties": { "role": { "const": "other" } } } },
        "unix": { "type": "array", "items": { "$ref": "#/$defs/unix" } },
        "tables": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["name", "present", "entries", "leftOut"],
            "additionalProperties": false,
            "properties": {
              "name": { "type": "string" },
              "present": { "type": "boolean" },
              "entries": { "$ref": "#/$defs/uint" },
              "leftOut": { "$ref": "#/$defs/uint" }
            }
          }
        },
        "unownedSockets": { "$ref": "#/$defs/uint" },
        "unixVerification": {
          "description": "How rows of /proc/net/unix were told from text of a socket path holding a newline: verified (every process's fd links were read; a line whose inode no process holds, after a bound socket with room in its 108-byte path, is part of that path), unverifiable (fd links missing: rows kept as printed), notGathered.",
          "enum": ["verified", "unverifiable", "notGathered"]
        },
        "anomalies": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["kind", "severity", "message", "lines", "inodes"],
            "additionalProperties": false,
            "properties": {
              "kind": { "enum": ["ambiguous unix socket table", "unix path with a newline", "unverifiable unix rows"] },
              "severity": { "enum": ["warning", "hint"], "description": "Follows from the kind: a duplicate inode or a line read as part of a socket's name is a warning; unverifiable rows are a hint (not counted in the manifest's summary)." },
              "message": { "type": "string" },
              "lines": { "type": "array", "items": { "type": "integer", "minimum": 1 } },
              "inodes": { "type": "array", "items": { "$ref": "#/$defs/uint" } }
            }
          }
        },
        "problems": { "type": "array", "items": { "$ref": "#/$defs/problem" } },
        "gaps": { "type": "array", "items": { "$ref": "#/$defs/gap" } }
      },
      "$defs": {
        "port": { "type": "integer", "minimum": 0, "maximum": 65535 },
        "owner": {
          "type": "object",
          "required": ["pid", "fd"],
          "additionalProperties": false,
          "properties": { "pid": { "type": "integer" }, "fd": { "type": "integer" }, "comm": { "type": "string" } }
        },
        "inet": {
          "type": "object",
          "required": ["table", "transport", "family", "localAddress", "localPort", "remoteAddress", "remotePort", "ipv4Mapped", "state", "stateCode", "role", "uid", "inode", "owners"],
          "additionalProperties": false,
          "properties": {
            "table": { "enum": ["tcp", "tcp6", "udp", "udp6", "raw", "raw6"] },
            "transport": { "enum": ["tcp", "udp", "raw"] },
            "family": { "enum": ["ipv4", "ipv6"] },
            "localAddress": { "type": "string" },
            "localPort": { "$ref": "#/$defs/port" },
            "remoteAddress": { "type": "string" },
            "remotePort": { "$ref": "#/$defs/port" },
            "ipv4Mapped": { "type": "boolean" },
            "state": { "type": "string" },
            "stateCode": { "type": "integer", "minimum": 0 },
            "role": { "enum": ["listener", "connection", "other"] },
            "uid": { "$ref": "#/$defs/uint" },
            "inode": { "$ref": "#/$defs/uint" },
            "owners": { "type": "array", "items": { "$ref": "#/$defs/owner" } }
          }
        },
        "unix": {
          "type": "object",
          "required": ["abstract", "type", "state", "listening", "inode", "owners"],
          "additionalProperties": false,
          "properties": {
            "path": { "type": "string" },
            "abstract": { "type": "boolean" },
            "type": { "type": "string" },
            "state": { "type": "string" },
            "listening": { "type": "boolean" },
            "inode": { "$ref": "#/$defs/uint" },
            "owners": { "type": "array", "items": { "$ref": "#/$defs/owner" } }
          }
        },
    \#(evidenceDefs)
      }
    }
    """#

    /// `namespaces.json` (Evidence's `NamespaceReport`, formatVersion 1).
    static let namespaces = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "urn:kubectl-evidence:schema:namespaces:1",
      "title": "kubectl-evidence namespaces of one container",
      "description": "Each process's namespace ids, which namespaces the evidence container shares with its target (as the ids show, never assumed), and anomalies.",
      "type": "object",
      "required": ["formatVersion", "processes", "sharing", "shared", "notShared", "unknown", "anomalies", "problems", "gaps"],
      "additionalProperties": false,
      "properties": {
        "formatVersion": { "const": 1 },
        "processes": { "type": "array", "items": { "$ref": "#/$defs/processNamespaces" } },
        "container": { "$ref": "#/$defs/processNamespaces" },
        "evidenceContainer": { "$ref": "#/$defs/processNamespaces" },
        "sharing": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["type"],
            "additionalProperties": false,
            "properties": {
              "type": { "type": "string" },
              "evidenceContainer": { "$ref": "#/$defs/uint" },
              "container": { "$ref": "#/$defs/uint" },
              "shared": { "type": "boolean" }
            }
          }
        },
        "shared": { "$ref": "#/$defs/types" },
        "notShared": { "$ref": "#/$defs/types" },
        "unknown": { "$ref": "#/$defs/types" },
        "anomalies": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["kind", "severity", "types", "pids", "message"],
            "additionalProperties": false,
            "properties": {
              "kind": { "enum": ["process-namespace-differs", "host-namespace", "evidence-uid-shared"] },
              "severity": { "enum": ["warning", "notice", "hint"] },
              "types": { "$ref": "#/$defs/types" },
              "pids": { "type": "array", "items": { "type": "integer" } },
              "message": { "type": "string" }
            }
          }
        },
        "problems": { "type": "array", "items": { "$ref": "#/$defs/problem" } },
        "gaps": { "type": "array", "items": { "$ref": "#/$defs/gap" } }
      },
      "$defs": {
        "types": { "type": "array", "items": { "type": "string" } },
        "processNamespaces": {
          "type": "object",
          "required": ["pid", "namespaces"],
          "additionalProperties": false,
          "properties": {
            "pid": { "type": "integer" },
            "comm": { "type": "string" },
            "namespaces": { "type": "object", "additionalProperties": { "$ref": "#/$defs/uint" } }
          }
        },
    \#(evidenceDefs)
      }
    }
    """#
}
