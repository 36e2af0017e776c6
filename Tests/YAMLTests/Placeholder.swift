// Placeholder until YAMLTests has tests; delete when adding the first real file.
