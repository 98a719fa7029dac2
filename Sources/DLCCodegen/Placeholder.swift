// The module's first files are being written.
