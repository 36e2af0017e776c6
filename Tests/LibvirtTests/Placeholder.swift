// Placeholder until LibvirtTests has tests; delete when adding the first real file.
