enum _PlaceholderEvidence {}
