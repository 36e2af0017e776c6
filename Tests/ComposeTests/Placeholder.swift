// Placeholder until ComposeTests has tests; delete when adding the first real file.
