/// Every error of the data and persistence layer, sorted by ID. Texts start lowercase,
/// have no trailing period and quote names; the fix, when there is one, is the `help`.

extension DataError {
  // MARK: checkpoint.*

  static func checkpointDtype(_ path: String, _ tensor: String, _ dtype: String) -> Self {
    Self("checkpoint.dtype", path: path, "tensor '\(excerpt(tensor))' has the unknown dtype '\(excerpt(dtype))'",
         help: "dlc reads F64, F32, F16, BF16, I64, I32, I16, I8, U8 and BOOL")
  }
  static func checkpointHeader(_ path: String, _ problem: String) -> Self {
    Self("checkpoint.header", path: path, "the safetensors header is malformed: \(problem)")
  }
  static func checkpointHeaderLength(_ path: String, _ length: UInt64, _ available: Int) -> Self {
    Self("checkpoint.headerLength", path: path,
         "the safetensors header length \(length) does not fit in the file (\(available) bytes follow it)")
  }
  static func checkpointMissing(_ path: String, _ name: String) -> Self {
    Self("checkpoint.missingTensor", path: path, "the checkpoint has no tensor '\(excerpt(name))'")
  }
  static func checkpointOffsets(_ path: String, _ tensor: String, _ problem: String) -> Self {
    Self("checkpoint.offsets", path: path, "tensor '\(excerpt(tensor))' has bad data offsets: \(problem)")
  }
  static func checkpointTensor(_ path: String, _ tensor: String, _ problem: String) -> Self {
    Self("checkpoint.tensor", path: path, "tensor '\(excerpt(tensor))' does not fit: \(problem)")
  }
  static func checkpointTruncated(_ path: String, _ needed: Int, _ available: Int) -> Self {
    Self("checkpoint.truncated", path: path,
         "the file is truncated: its tensors need \(needed) data bytes, it has \(available)")
  }
  static func checkpointWrite(_ path: String, _ reason: String) -> Self {
    Self("checkpoint.writeFailed", path: path, "cannot write the checkpoint: \(reason)")
  }

  // MARK: data.*

  static func classLabel(_ path: String, line: Int? = nil, column: Int? = nil, _ place: String, _ text: String, classes: Int?) -> Self {
    let range = classes.map { "0..<\($0)" } ?? "0, 1, 2, …"
    return Self("data.classLabel", path: path, line: line, column: column,
                "\(place) holds '\(excerpt(text))', which is not a class index in \(range)",
                help: "class labels are integers counted from 0")
  }
  static func columnNotFound(_ path: String, _ name: String, role: String? = nil, _ columns: [String]) -> Self {
    let shown = columns.prefix(8).map { "'\(excerpt($0))'" }.joined(separator: ", ") + (columns.count > 8 ? ", …" : "")
    return Self("data.columnNotFound", path: path, line: 1,
                "the header has no column '\(excerpt(name))'" + (role.map { " (\($0))" } ?? ""),
                help: "the columns are \(shown)")
  }
  static func csvSyntax(_ path: String, line: Int, column: Int, _ problem: String) -> Self {
    Self("data.csvSyntax", path: path, line: line, column: column, problem,
         help: "quote a field as \"…\" and write a quote inside it as \"\"")
  }
  static func duplicateColumn(_ path: String, _ name: String, first: Int, second: Int) -> Self {
    Self("data.duplicateColumn", path: path, line: 1, column: second,
         "column \(second) of the header has the name '\(excerpt(name))' of column \(first)",
         help: "columns are matched by name: give every column its own name")
  }
  static func emptyCell(_ path: String, line: Int, column: Int, _ place: String) -> Self {
    Self("data.emptyCell", path: path, line: line, column: column, "\(place) is empty",
         help: "fill in or drop rows with missing values before training")
  }
  static func emptyFile(_ path: String) -> Self {
    Self("data.emptyFile", path: path, "the CSV file is empty", help: "a CSV data file starts with a header row naming its columns")
  }
  static func fileUnreadable(_ path: String, _ reason: String) -> Self {
    Self("data.fileUnreadable", path: path, "cannot read '\(path)': \(reason)")
  }
  static func malformedConfig(_ problem: String) -> Self { Self("data.malformedConfig", path: "", "the module's data attribute is malformed: \(problem)") }
  static func noRows(_ path: String) -> Self {
    Self("data.noRows", path: path, line: 1, "the CSV file has a header but no rows")
  }
  static func noTrainSamples(_ path: String, _ count: Int) -> Self {
    Self("data.noTrainSamples", path: path, "the split leaves no training samples out of \(count)",
         help: "lower 'valid' and 'test' in 'data.split'")
  }
  static func nonFinite(_ path: String, line: Int? = nil, column: Int? = nil, _ place: String, _ text: String) -> Self {
    Self("data.nonFinite", path: path, line: line, column: column, "\(place) holds '\(excerpt(text))', which is not a finite number",
         help: "replace NaN and infinite values before training")
  }
  static func notANumber(_ path: String, line: Int, column: Int, _ place: String, _ text: String) -> Self {
    Self("data.notANumber", path: path, line: line, column: column, "\(place) holds '\(excerpt(text))', which is not a number",
         help: "every feature and target cell must be a decimal number")
  }
  static func npyBigEndian(_ path: String, _ descr: String) -> Self {
    Self("data.npyBigEndian", path: path, "the array is big-endian ('\(excerpt(descr))')",
         help: "save it little-endian: numpy.save(path, a.astype(a.dtype.newbyteorder('<')))")
  }
  static func npyDtype(_ path: String, _ descr: String) -> Self {
    Self("data.npyDtype", path: path, "the dtype '\(excerpt(descr))' is not supported",
         help: "use float32, float64, int8/16/32/64, uint8/16 or bool")
  }
  static func npyFortranOrder(_ path: String) -> Self {
    Self("data.npyFortranOrder", path: path, "the array is in Fortran order",
         help: "save it in C order: numpy.save(path, numpy.ascontiguousarray(a))")
  }
  static func npyHeader(_ path: String, _ problem: String) -> Self {
    Self("data.npyHeader", path: path, "not a valid NPY file: \(problem)")
  }
  static func npySampleCount(_ path: String, _ count: Int, _ otherPath: String, _ otherCount: Int) -> Self {
    Self("data.npySampleCount", path: path, "the array has \(count) samples, but '\(otherPath)' has \(otherCount)",
         help: "the first dimension of x and y counts the samples; they must agree")
  }
  static func npyShape(_ path: String, _ shape: [Int], _ expected: String) -> Self {
    Self("data.npyShape", path: path, "the array's shape \(shapeText(shape)) does not match \(expected)")
  }
  static func npyTooLarge(_ path: String, _ problem: String) -> Self {
    Self("data.npyTooLarge", path: path, problem, help: "the header's 'shape' does not describe the data in the file")
  }
  static func npyTruncated(_ path: String, _ needed: Int, _ available: Int) -> Self {
    Self("data.npyTruncated", path: path, "the file is truncated: its shape needs \(needed) data bytes, it has \(available)")
  }
  static func raggedRow(_ path: String, line: Int, column: Int, fields: Int, columns: Int) -> Self {
    Self("data.raggedRow", path: path, line: line, column: column,
         "the row has \(fields) field\(fields == 1 ? "" : "s"), the header has \(columns) columns")
  }
  static func targetColumns(_ path: String, _ count: Int) -> Self {
    Self("data.targetColumns", path: path, line: 1, "classification takes one target column, found \(count)")
  }

  // MARK: runlog.*

  static func runLogWrite(_ path: String, _ reason: String) -> Self {
    Self("runlog.writeFailed", path: path, "cannot write the run log: \(reason)")
  }
}

/// `[1797, 64]`.
func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ", ") + "]" }

/// Text from a file quoted in a message: at most 40 characters, control characters
/// escaped, so that hostile content cannot flood or break the one-line message.
func excerpt(_ text: String) -> String {
  var out = ""
  for (i, u) in text.unicodeScalars.enumerated() {
    if i == 40 { return out + "…" }
    out += u.value < 0x20 || u.value == 0x7F ? "\\u{\(String(u.value, radix: 16))}" : String(u)
  }
  return out
}
