// Placeholder until the Hosts target has code; delete when adding the first real file.
