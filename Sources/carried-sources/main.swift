// Writes `CarriedSources.swift` for DLCCodegen at build time (run by Plugins/CarriedSources):
// the text of every file of the modules an emitted trainer package carries, and the build
// settings section of dlc's Package.swift, which emitted manifests repeat verbatim.
//
//   carried-sources OUTPUT ROOT MANIFEST FOLDER... -- FILE...
//
// FOLDER and FILE are relative to ROOT (the package folder); MANIFEST is dlc's Package.swift.
// Nothing is checked in: the plugin lists the carried files as the command's inputs, so an
// edit to any of them regenerates the file.
import Foundation

/// The lines that open and close the shared section of Package.swift.
let sectionStart = "// BEGIN build settings", sectionEnd = "// END build settings"

/// Stops with a message on standard error and status 1.
func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("carried-sources: error: \(message)\n".utf8))
  exit(1)
}

/// The file's text, or a failure naming it.
func read(_ path: String) -> String {
  guard let data = FileManager.default.contents(atPath: path) else { fail("cannot read '\(path)'") }
  guard let text = String(data: data, encoding: .utf8) else { fail("'\(path)' is not UTF-8") }
  return text
}

/// The lines of `manifest` between the section markers (the markers included).
func buildSettings(_ manifest: String, path: String) -> String {
  let lines = manifest.split(separator: "\n", omittingEmptySubsequences: false)
  guard let start = lines.firstIndex(where: { $0.hasPrefix(sectionStart) }),
    let end = lines[start...].firstIndex(where: { $0.hasPrefix(sectionEnd) })
  else { fail("'\(path)' has no '\(sectionStart)' … '\(sectionEnd)' section") }
  return lines[start...end].joined(separator: "\n")
}

/// `text` as a Swift string literal that reads as written: a multi-line raw literal with
/// more `#` than any run that follows a quote or backslash in it (so nothing in the text
/// ends it or interpolates). Text with carriage returns, which a multi-line literal would
/// turn into line feeds, becomes an escaped one-line literal.
func literal(_ text: String) -> String {
  if text.contains("\r") {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default: out += scalar.value < 0x20 ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
      }
    }
    return out + "\""
  }
  var longest = 0, run = 0, counting = false
  for scalar in text.unicodeScalars {
    if scalar == "#" && counting {
      run += 1
      longest = max(longest, run)
    } else {
      counting = scalar == "\"" || scalar == "\\"
      run = 0
    }
  }
  let hashes = String(repeating: "#", count: longest + 1)
  return "\(hashes)\"\"\"\n\(text)\n\"\"\"\(hashes)"
}

/// The Swift source of `CarriedSources`.
func render(folders: [String], files: [(path: String, text: String)], settings: String) -> String {
  var out = """
    // Generated at build time by the CarriedSources plugin (Plugins/CarriedSources) from the
    // carried modules' folders and Package.swift; not checked in.

    /// The sources an emitted trainer package carries, and the build settings it shares with dlc.
    enum CarriedSources {
      /// The carried modules' folders, relative to the package root.
      static let folders: [String] = [\(folders.map { "\"\($0)\"" }.joined(separator: ", "))]

      /// Every file of those folders (path relative to the package root, text), sorted by path.
      static let files: [(path: String, text: String)] = [

    """
  for file in files { out += "    (\"\(file.path)\", \(literal(file.text))),\n" }
  out += """
      ]

      /// The build settings section of dlc's Package.swift, from its `\(sectionStart)` line to
      /// its `\(sectionEnd)` line: emitted manifests build the carried modules with it.
      static let buildSettings = \(literal(settings))
    }

    """
  return out
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 3, let separator = arguments.firstIndex(of: "--") else {
  fail("usage: carried-sources OUTPUT ROOT MANIFEST FOLDER... -- FILE...")
}
let (output, root, manifest) = (arguments[0], arguments[1], arguments[2])
let folders = Array(arguments[3..<separator]).sorted()
let paths = Array(arguments[(separator + 1)...]).sorted()
let files = paths.map { (path: $0, text: read(root + "/" + $0)) }
let source = render(folders: folders, files: files, settings: buildSettings(read(manifest), path: manifest))
if FileManager.default.contents(atPath: output) != Data(source.utf8) {
  do { try source.write(toFile: output, atomically: true, encoding: .utf8) } catch { fail("cannot write '\(output)': \(error)") }
}
