/// The front end reads files through DLCBasics, shared with the training runtime.
@_exported import DLCBasics
