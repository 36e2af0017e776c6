// Placeholder until CompilerTests has tests; delete when adding the first real file.
