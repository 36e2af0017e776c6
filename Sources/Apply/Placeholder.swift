// Placeholder until the Apply target has code; delete when adding the first real file.
