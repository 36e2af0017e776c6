// Placeholder until ArtefactsTests has tests; delete when adding the first real file.
