// Placeholder until the SSH target has code; delete when adding the first real file.
