/// The folder `dlc compile -o DIR` writes a package into, and the marker that says dlc
/// made it.
///
/// In: the folder and whether `--force` was given. Out: permission to write, or a
/// `DataError`. A missing or empty folder is taken; a folder with the marker file
/// `.dlc-package` (written last, listing every file of the package) is an earlier dlc
/// package, whose files the new package no longer has are removed after writing; any
/// other non-empty folder is refused unless forced, so a user's `Package.swift` is never
/// overwritten by accident.
import DLCTraining
import Foundation

enum PackageFolder {
  /// The marker's name, in the package folder.
  static let marker = ".dlc-package"
  /// The marker's first line.
  static let header = "# written by dlc compile: the files of this package, removed or replaced when it is emitted again"

  /// The files an earlier package in `directory` listed ([] when there is none), after
  /// checking that the folder may be written (see the type's summary).
  static func claim(_ directory: String, force: Bool) throws -> [String] {
    try PathCheck.check(directory, option: "--output", as: .outputFolder)
    let fm = FileManager.default
    guard let entries = try? fm.contentsOfDirectory(atPath: directory), !entries.isEmpty else { return [] }
    guard let text = try? String(contentsOfFile: directory + "/" + marker, encoding: .utf8), text.hasPrefix(header) else {
      if force { return [] }
      throw DataError.packageNotEmpty(directory, marker: marker)
    }
    return text.split(separator: "\n").dropFirst().map(String.init).filter(isInside)
  }

  /// Removes the `earlier` files that `current` no longer has, then writes the marker.
  static func finish(_ directory: String, earlier: [String], current: [String]) throws {
    let kept = Set(current)
    for path in earlier where !kept.contains(path) {
      let full = directory + "/" + path
      if unlink(full) != 0, errno != ENOENT {
        throw DataError.pathWrite(full, "cannot remove this file of the earlier package: " + String(cString: strerror(errno)))
      }
    }
    try PathCheck.write(([header] + current).joined(separator: "\n") + "\n", to: directory + "/" + marker, sync: false)
  }

  /// A relative path that stays inside the folder (a marker is a file anyone can edit).
  static func isInside(_ path: String) -> Bool {
    !path.isEmpty && !path.hasPrefix("/") && !path.split(separator: "/").contains("..")
  }
}
