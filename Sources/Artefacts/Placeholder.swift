// Placeholder until the Artefacts target has code; delete when adding the first real file.
