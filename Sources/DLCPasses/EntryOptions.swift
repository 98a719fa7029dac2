import DLCIR

/// Typed reads of a pass's options (its `optimize` entry without `kind`). Sema writes every
/// option with the catalog's default, so a missing or mistyped one is malformed IR, named
/// in the error, never replaced by a default of the pass's own.
struct EntryOptions {
  /// The pass, for messages (`quantize`).
  let pass: String
  let options: [String: Attribute]

  init(pass: String, _ options: [String: Attribute]) {
    self.pass = pass
    self.options = options
  }

  private func missing(_ key: String, _ expected: String) -> PassError {
    PassError("\(pass): the option '\(key)' is missing or not \(expected)",
              help: "the IR should come from 'dlc compile' of a checked spec, which writes every option")
  }

  func string(_ key: String) throws(PassError) -> String {
    guard let v = options[key]?.stringValue else { throw missing(key, "a string") }
    return v
  }

  func double(_ key: String) throws(PassError) -> Double {
    guard let v = options[key]?.floatValue else { throw missing(key, "a number") }
    return v
  }

  func int(_ key: String) throws(PassError) -> Int {
    guard let v = options[key]?.intValue else { throw missing(key, "an integer") }
    return v
  }

  func bool(_ key: String) throws(PassError) -> Bool {
    guard let v = options[key]?.boolValue else { throw missing(key, "a boolean") }
    return v
  }
}
