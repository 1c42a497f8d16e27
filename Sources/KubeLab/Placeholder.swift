enum _PlaceholderKubeLab {}
