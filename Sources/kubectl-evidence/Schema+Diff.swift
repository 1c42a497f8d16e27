extension Schemas {
    /// `kubectl-evidence diff --json` (SnapshotDiff's `DiffReport`, schemaVersion 1).
    static let diff = #"""
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "urn:kubectl-evidence:schema:diff:1",
      "title": "kubectl-evidence diff report",
      "description": "What `kubectl-evidence diff --json` prints. mode diff: one comparison of OLD and NEW; timeline: one comparison per consecutive pair of bundles; replicas: the replicas inside one bundle, grouped by workload. Processes are known by executable file name and argv (never pid), connections by far end and owner (outbound) or listening port and peer address (inbound). Strings from pods are as the evidence holds them.",
      "type": "object",
      "required": ["schemaVersion", "mode", "differs"],
      "additionalProperties": false,
      "properties": {
        "schemaVersion": { "const": 1 },
        "mode": { "enum": ["diff", "timeline", "replicas"] },
        "differs": { "type": "boolean", "description": "True when anything differs; the exit status is then 1." },
        "comparisons": { "type": "array", "items": { "$ref": "#/$defs/comparison" } },
        "replicas": {
          "type": "object",
          "required": ["bundle", "groups"],
          "additionalProperties": false,
          "properties": {
            "bundle": { "$ref": "#/$defs/bundle" },
            "groups": { "type": "array", "items": { "$ref": "#/$defs/group" } }
          }
        }
      },
      "$defs": {
        "bundle": {
          "type": "object",
          "required": ["path", "runID", "startedAt", "server"],
          "additionalProperties": false,
          "properties": {
            "path": { "type": "string" }, "runID": { "type": "string" },
            "startedAt": { "type": "string", "format": "date-time" }, "server": { "type": "string" },
            "contextName": { "type": "string" }, "user": { "type": "string" },
            "profile": { "type": "string", "description": "The profile's name as the run gave it." },
            "profileSHA256": { "type": "string" }, "manifestSHA256": { "type": "string" },
            "signed": { "type": "boolean", "description": "A signature is in the bundle (diff does not check it; verify --key does)." }
          }
        },
        "pod": {
          "type": "object",
          "required": ["namespace", "name", "uid", "outcome"],
          "additionalProperties": false,
          "properties": {
            "namespace": { "type": "string" }, "name": { "type": "string" }, "uid": { "type": "string" },
            "node": { "type": "string" },
            "owner": { "type": "string", "description": "Kind/name of the controlling owner, from pod.json." },
            "outcome": { "enum": ["collected", "failed", "skipped", "interrupted"] }
          }
        },
        "item": {
          "type": "object",
          "required": ["kind", "key", "text", "owners", "pids"],
          "additionalProperties": false,
          "properties": {
            "kind": { "enum": ["process", "listener", "connection", "anomaly"] },
            "key": { "type": "string", "description": "The identity compared across snapshots and replicas." },
            "text": { "type": "string" },
            "owners": { "type": "array", "items": { "type": "string" } },
            "pids": { "type": "array", "items": { "type": "integer" }, "description": "In the snapshot it was taken from; never compared." }
          }
        },
        "changes": {
          "type": "object",
          "required": ["added", "removed"],
          "additionalProperties": false,
          "properties": {
            "added": { "type": "array", "items": { "$ref": "#/$defs/item" } },
            "removed": { "type": "array", "items": { "$ref": "#/$defs/item" } }
          }
        },
        "comparison": {
          "type": "object",
          "required": ["old", "new", "differentClusters", "pods", "unchanged", "onlyInOld", "onlyInNew"],
          "additionalProperties": false,
          "properties": {
            "old": { "$ref": "#/$defs/bundle" }, "new": { "$ref": "#/$defs/bundle" },
            "differentClusters": { "type": "boolean" },
            "pods": { "type": "array", "items": { "$ref": "#/$defs/podChange" } },
            "unchanged": { "type": "array", "items": { "$ref": "#/$defs/pod" } },
            "onlyInOld": { "type": "array", "items": { "$ref": "#/$defs/pod" } },
            "onlyInNew": { "type": "array", "items": { "$ref": "#/$defs/pod" } },
            "notCompared": { "type": "array", "items": { "$ref": "#/$defs/podChange" }, "description": "Matched pods that could not be compared (no evidence on a side); not changes." },
            "profileNote": { "type": "string", "description": "Present when the bundles were collected with different profiles." }
          }
        },
        "podChange": {
          "type": "object",
          "required": ["old", "new", "matchedBy", "container", "processes", "listeners", "connections", "anomalies",
                       "namespaces", "restarts", "images", "notes"],
          "additionalProperties": false,
          "properties": {
            "old": { "$ref": "#/$defs/pod" }, "new": { "$ref": "#/$defs/pod" },
            "matchedBy": { "enum": ["uid", "name", "workload"] },
            "container": { "type": "string" },
            "processes": { "$ref": "#/$defs/changes" }, "listeners": { "$ref": "#/$defs/changes" },
            "connections": { "$ref": "#/$defs/changes" }, "anomalies": { "$ref": "#/$defs/changes" },
            "namespaces": { "type": "array", "items": {
              "type": "object", "required": ["type"], "additionalProperties": false,
              "properties": { "type": { "type": "string" }, "old": { "type": "integer" }, "new": { "type": "integer" } } } },
            "restarts": { "type": "array", "items": {
              "type": "object", "required": ["container", "old", "new"], "additionalProperties": false,
              "properties": { "container": { "type": "string" }, "old": { "type": "integer" }, "new": { "type": "integer" } } } },
            "images": { "type": "array", "items": {
              "type": "object", "required": ["container"], "additionalProperties": false,
              "properties": { "container": { "type": "string" }, "old": { "type": "string" }, "new": { "type": "string" } } } },
            "notes": { "type": "array", "items": { "type": "string" } }
          }
        },
        "group": {
          "type": "object",
          "required": ["namespace", "container", "replicas", "common", "odd", "alike", "withoutEvidence"],
          "additionalProperties": false,
          "properties": {
            "namespace": { "type": "string" }, "workload": { "type": "string" }, "container": { "type": "string" },
            "replicas": { "type": "integer", "minimum": 0 },
            "common": { "type": "array", "items": { "$ref": "#/$defs/item" } },
            "odd": { "type": "array", "items": {
              "type": "object", "required": ["pod", "score", "extra", "missing"], "additionalProperties": false,
              "properties": {
                "pod": { "$ref": "#/$defs/pod" },
                "score": { "type": "integer", "minimum": 1, "description": "Listeners and anomalies 3, processes 2, connections 1." },
                "extra": { "type": "array", "items": { "$ref": "#/$defs/item" } },
                "missing": { "type": "array", "items": { "$ref": "#/$defs/item" } },
                "restarts": { "type": "integer", "minimum": 0 } } } },
            "alike": { "type": "array", "items": { "$ref": "#/$defs/pod" } },
            "withoutEvidence": { "type": "array", "items": { "$ref": "#/$defs/pod" } }
          }
        }
      }
    }
    """#
}
