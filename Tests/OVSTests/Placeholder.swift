// Placeholder until OVSTests has tests; delete when adding the first real file.
