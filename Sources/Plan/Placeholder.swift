// Placeholder until the Plan target has code; delete when adding the first real file.
