// Placeholder until the Compiler target has code; delete when adding the first real file.
