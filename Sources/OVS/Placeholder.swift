// Placeholder until the OVS target has code; delete when adding the first real file.
