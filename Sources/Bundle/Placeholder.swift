enum _PlaceholderBundle {}
