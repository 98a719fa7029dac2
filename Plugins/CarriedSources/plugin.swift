// The build-tool plugin behind DLCCodegen's `CarriedSources`: it lists every file of the
// modules an emitted trainer carries (DLCTraining and every module it depends on, found in
// the package graph, whatever files their folders hold) and runs `carried-sources` over
// them. The files and Package.swift are the command's inputs, so editing any of them
// regenerates `CarriedSources.swift` before DLCCodegen compiles: fresh by construction.
import Foundation
import PackagePlugin

@main struct CarriedSourcesPlugin: BuildToolPlugin {
  /// The module whose sources, with those of its dependencies, an emitted package carries.
  static let runtime = "DLCTraining"

  func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
    let root = context.package.directoryURL.standardizedFileURL
    guard let runtime = try context.package.targets(named: [Self.runtime]).first else { return [] }
    let modules = [runtime] + runtime.recursiveTargetDependencies
    let folders = modules.map { relative($0.directoryURL, to: root) }.sorted()
    let files = try folders.flatMap { try carriedFiles(in: $0, root: root) }.sorted()
    let manifest = root.appendingPathComponent("Package.swift")
    let output = context.pluginWorkDirectoryURL.appendingPathComponent("CarriedSources.swift")
    return [
      .buildCommand(
        displayName: "Embedding the \(files.count) carried sources",
        executable: try context.tool(named: "carried-sources").url,
        arguments: [output.path, root.path, manifest.path] + folders + ["--"] + files,
        inputFiles: [manifest] + files.map { root.appendingPathComponent($0) },
        outputFiles: [output]
      )
    ]
  }

  /// The files under `folder` (relative to `root`) an emitted package needs: Swift and C
  /// sources, C headers, module maps; paths relative to `root`.
  func carriedFiles(in folder: String, root: URL) throws -> [String] {
    let base = root.appendingPathComponent(folder)
    guard let walker = FileManager.default.enumerator(atPath: base.path) else { return [] }
    return walker.compactMap { $0 as? String }
      .filter { name in
        [".swift", ".c", ".h"].contains { name.hasSuffix($0) } || (name as NSString).lastPathComponent == "module.modulemap"
      }
      .map { folder + "/" + $0 }
  }

  /// `url`'s path below `root` ("Sources/DLCKernels").
  func relative(_ url: URL, to root: URL) -> String {
    let path = url.standardizedFileURL.path, prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
    return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
  }
}
