// Placeholder until the Libvirt target has code; delete when adding the first real file.
