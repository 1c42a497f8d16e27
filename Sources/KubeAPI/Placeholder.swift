enum _PlaceholderKubeAPI {}
