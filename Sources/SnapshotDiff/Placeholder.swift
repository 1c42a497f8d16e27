enum _PlaceholderSnapshotDiff {}
