extension Schemas {
    /// `manifest.json` (Bundle's `Manifest`, schemaVersion 1).
    static let manifest = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "urn:kubectl-evidence:schema:manifest:1",
      "title": "kubectl-evidence bundle manifest",
      "description": "manifest.json, the last entry of an evidence bundle (followed only by manifest.json.sig when signed): the run, the cluster, the selection, every selected pod's outcome, and every other file of the archive with its size and SHA-256.",
      "type": "object",
      "required": ["schemaVersion", "tool", "run", "cluster", "selection", "pods", "files"],
      "additionalProperties": false,
      "properties": {
        "schemaVersion": { "const": 1 },
        "tool": {
          "type": "object",
          "required": ["name", "version"],
          "additionalProperties": false,
          "properties": { "name": { "type": "string" }, "version": { "type": "string" } }
        },
        "run": {
          "type": "object",
          "required": ["id", "commandLine", "profile", "startedAt", "interrupted"],
          "additionalProperties": false,
          "properties": {
            "id": { "type": "string", "minLength": 1 },
            "commandLine": { "type": "array", "items": { "type": "string" } },
            "profile": {
              "type": "object",
              "required": ["name", "sha256"],
              "additionalProperties": false,
              "properties": { "name": { "type": "string" }, "sha256": { "$ref": "#/$defs/sha256" } }
            },
            "startedAt": { "$ref": "#/$defs/time" },
            "finishedAt": { "$ref": "#/$defs/time" },
            "interrupted": { "type": "boolean" },
            "redacted": { "type": "boolean" }
          }
        },
        "cluster": {
          "type": "object",
          "required": ["server"],
          "additionalProperties": false,
          "properties": {
            "server": { "type": "string" },
            "contextName": { "type": "string" },
            "caFingerprintSHA256": { "$ref": "#/$defs/sha256" },
            "serverVersion": { "type": "string" },
            "user": {
              "type": "object",
              "required": ["username", "groups"],
              "additionalProperties": false,
              "properties": {
                "username": { "type": "string" },
                "groups": { "type": "array", "items": { "type": "string" } }
              }
            },
            "impersonation": {
              "type": "object",
              "required": ["user", "groups", "origin"],
              "additionalProperties": false,
              "properties": {
                "user": { "type": "string" },
                "uid": { "type": "string" },
                "groups": { "type": "array", "items": { "type": "string" } },
                "origin": { "type": "string" }
              }
            },
            "proxy": { "type": "string" }
          }
        },
        "selection": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "namespace": { "type": "string", "description": "Absent: all namespaces." },
            "labelSelector": { "type": "string" },
            "fieldSelector": { "type": "string" },
            "podNames": { "type": "array", "items": { "type": "string" } },
            "workload": { "type": "string", "description": "TYPE/NAME as given; labelSelector is its spec.selector." },
            "node": { "type": "string" }
          }
        },
        "pods": { "type": "array", "items": { "$ref": "#/$defs/pod" } },
        "files": {
          "description": "Every entry of the archive except manifest.json and manifest.json.sig, sorted by path.",
          "type": "array",
          "items": {
            "type": "object",
            "required": ["path", "size", "sha256"],
            "additionalProperties": false,
            "properties": {
              "path": { "$ref": "#/$defs/archivePath" },
              "size": { "type": "integer", "minimum": 0 },
              "sha256": { "$ref": "#/$defs/sha256" }
            }
          }
        }
      },
      "$defs": {
        "sha256": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
        "time": {
          "description": "RFC 3339 in UTC, with milliseconds, e.g. 2026-11-29T01:02:03.456Z.",
          "type": "string",
          "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"
        },
        "archivePath": {
          "description": "A relative path built by the tool: no leading slash, no .. component, no control characters.",
          "type": "string",
          "pattern": "^(?!/)(?!.*(^|/)\\.\\.(/|$))[^\\u0000-\\u001f\\u007f]+$"
        },
        "step": { "enum": ["preflight", "inject", "wait", "log", "decode", "write"] },
        "pod": {
          "description": "One selected pod and what happened to it.",
          "type": "object",
          "required": ["namespace", "name", "uid", "podImageIDs", "targetContainer", "outcome", "reason", "message", "steps", "files"],
          "additionalProperties": false,
          "properties": {
            "namespace": { "type": "string" },
            "name": { "type": "string" },
            "uid": { "type": "string" },
            "node": { "type": "string" },
            "phase": { "type": "string" },
            "podImageIDs": { "type": "object", "additionalProperties": { "type": "string" } },
            "targetContainer": { "type": "string" },
            "evidenceContainer": {
              "type": "object",
              "required": ["name", "image"],
              "additionalProperties": false,
              "properties": {
                "name": { "type": "string", "pattern": "^evidence-" },
                "image": { "type": "string" },
                "imageID": { "type": "string" },
                "runAsUser": { "type": "integer", "minimum": 0, "description": "The uid its securityContext asked for: chosen per pod, never one the pod's spec names." },
                "credentials": { "$ref": "#/$defs/credentials" }
              }
            },
            "outcome": { "enum": ["collected", "failed", "skipped", "interrupted"] },
            "reason": { "type": "string" },
            "failedStep": { "$ref": "#/$defs/step" },
            "message": { "type": "string" },
            "steps": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["step", "at"],
                "additionalProperties": false,
                "properties": { "step": { "$ref": "#/$defs/step" }, "at": { "$ref": "#/$defs/time" } }
              }
            },
            "files": { "type": "array", "items": { "$ref": "#/$defs/archivePath" } },
            "summary": { "$ref": "#/$defs/summary" },
            "redactions": {
              "type": "array",
              "items": {
                "type": "object",
                "required": ["path", "location", "rule"],
                "additionalProperties": false,
                "properties": {
                  "path": { "type": "string" },
                  "location": { "type": "string" },
                  "rule": { "type": "string" }
                }
              }
            }
          }
        },
        "credentials": {
          "description": "Who the evidence container's shell really ran as, from its own /proc/<pid>/status as gathered.",
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "pid": { "type": "integer" },
            "uids": { "type": "array", "items": { "type": "integer", "minimum": 0 }, "minItems": 4, "maxItems": 4, "description": "Real, effective, saved set and filesystem uid." },
            "gids": { "type": "array", "items": { "type": "integer", "minimum": 0 }, "minItems": 4, "maxItems": 4, "description": "Real, effective, saved set and filesystem gid." },
            "capEff": { "type": "string", "pattern": "^[0-9a-f]{16}$" },
            "capPrm": { "type": "string", "pattern": "^[0-9a-f]{16}$" },
            "effectiveCapabilities": { "type": "array", "items": { "type": "string" } },
            "noNewPrivs": { "type": "boolean" }
          }
        },
        "summary": {
          "description": "The pod's evidence at a glance (from its processes.json, sockets.json and namespaces.json); absent when nothing was parsed.",
          "type": "object",
          "required": ["processes", "listeners", "connections", "anomalies", "anomalyMessages", "gaps", "namespacesShared", "namespacesNotShared"],
          "additionalProperties": false,
          "properties": {
            "processes": { "type": "integer", "minimum": 0 },
            "listeners": { "type": "integer", "minimum": 0 },
            "connections": { "type": "integer", "minimum": 0 },
            "anomalies": { "type": "integer", "minimum": 0, "description": "Namespace and socket anomalies of severity warning or notice; hints are not counted." },
            "anomalyMessages": { "type": "array", "items": { "type": "string" }, "description": "The sentences of every namespace and socket anomaly, hints included." },
            "gaps": { "type": "integer", "minimum": 0 },
            "namespacesShared": { "type": "array", "items": { "type": "string" } },
            "namespacesNotShared": { "type": "array", "items": { "type": "string" } }
          }
        }
      }
    }
    """#
}
