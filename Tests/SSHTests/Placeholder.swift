// Placeholder until SSHTests has tests; delete when adding the first real file.
