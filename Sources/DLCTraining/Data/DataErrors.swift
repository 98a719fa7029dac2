/// Every error of the data and persistence layer, sorted by ID. Texts start lowercase,
/// have no trailing period and quote names; the fix, when there is one, is the `help`.

/// Every ID of a data, checkpoint, path or run error, sorted: the layer's registry
/// (`allCases`), which the error-case goldens must cover one by one.
public enum DataErrorID: String, CaseIterable, Sendable {
  case checkpointDtype = "checkpoint.dtype"
  case checkpointHeader = "checkpoint.header"
  case checkpointHeaderLength = "checkpoint.headerLength"
  case checkpointMetadata = "checkpoint.metadata"
  case checkpointNonFinite = "checkpoint.nonFinite"
  case checkpointOffsets = "checkpoint.offsets"
  case checkpointOtherSpec = "checkpoint.otherSpec"
  case checkpointPreprocessing = "checkpoint.preprocessing"
  case checkpointTensor = "checkpoint.tensor"
  case checkpointTruncated = "checkpoint.truncated"
  case checkpointWriteFailed = "checkpoint.writeFailed"
  case classLabel = "data.classLabel"
  case columnNotFound = "data.columnNotFound"
  case csvSyntax = "data.csvSyntax"
  case duplicateColumn = "data.duplicateColumn"
  case emptyCell = "data.emptyCell"
  case emptyFile = "data.emptyFile"
  case fileUnreadable = "data.fileUnreadable"
  case malformedConfig = "data.malformedConfig"
  case noRows = "data.noRows"
  case noTrainSamples = "data.noTrainSamples"
  case nonFinite = "data.nonFinite"
  case notANumber = "data.notANumber"
  case npyBigEndian = "data.npyBigEndian"
  case npyDtype = "data.npyDtype"
  case npyFortranOrder = "data.npyFortranOrder"
  case npyHeader = "data.npyHeader"
  case npySampleCount = "data.npySampleCount"
  case npyShape = "data.npyShape"
  case npyTooLarge = "data.npyTooLarge"
  case npyTruncated = "data.npyTruncated"
  case probabilityNormalization = "data.probabilityNormalization"
  case probabilityTarget = "data.probabilityTarget"
  case raggedRow = "data.raggedRow"
  case targetColumns = "data.targetColumns"
  case packageNotEmpty = "package.notEmpty"
  case pathEmpty = "path.empty"
  case pathIsFolder = "path.isFolder"
  case pathIsRoot = "path.isRoot"
  case pathMissingFolder = "path.missingFolder"
  case pathNotFolder = "path.notFolder"
  case pathNotFound = "path.notFound"
  case pathParentIsFile = "path.parentIsFile"
  case pathUnreadable = "path.unreadable"
  case pathWriteFailed = "path.writeFailed"
  case runExists = "run.exists"
  case runFinished = "run.finished"
  case runLockFile = "run.lockFile"
  case runLocked = "run.locked"
  case runSeed = "run.seed"
  case runStep = "run.step"
  case runlogWriteFailed = "runlog.writeFailed"
}

extension DataError {
  // MARK: checkpoint.*

  static func checkpointDtype(_ path: String, _ tensor: String, _ dtype: String) -> Self {
    Self(.checkpointDtype, path: path, "tensor '\(excerpt(tensor))' has the unknown dtype '\(excerpt(dtype))'",
         help: "dlc reads F64, F32, F16, BF16, I64, I32, I16, I8, U8 and BOOL")
  }
  static func checkpointHeader(_ path: String, _ problem: String) -> Self {
    Self(.checkpointHeader, path: path, "the safetensors header is malformed: \(problem)")
  }
  static func checkpointHeaderLength(_ path: String, _ length: UInt64, _ available: Int) -> Self {
    Self(.checkpointHeaderLength, path: path,
         "the safetensors header length \(length) does not fit in the file (\(available) bytes follow it)")
  }
  static func checkpointMetadata(_ path: String, _ key: String, _ problem: String, help: String? = nil) -> Self {
    Self(.checkpointMetadata, path: path, "the metadata field '\(excerpt(key))' \(problem)",
         help: help ?? "this file was not written by dlc, or was edited; use a checkpoint dlc wrote for this spec")
  }
  static func checkpointNonFinite(_ path: String, _ tensor: String, _ index: Int, _ value: Float) -> Self {
    Self(.checkpointNonFinite, path: path, "tensor '\(excerpt(tensor))' holds \(value) at element \(index)",
         help: "the run that wrote it diverged, or the file was damaged; use an earlier checkpoint (best.safetensors) or train again")
  }
  static func checkpointOffsets(_ path: String, _ tensor: String, _ problem: String) -> Self {
    Self(.checkpointOffsets, path: path, "tensor '\(excerpt(tensor))' has bad data offsets: \(problem)")
  }
  static func checkpointOtherSpec(_ path: String, stored: String, current: String) -> Self {
    Self(.checkpointOtherSpec, path: path, "this checkpoint is from spec '\(excerpt(stored))', not '\(excerpt(current))'",
         help: "give the checkpoint of a run of '\(excerpt(current))', or the spec '\(excerpt(stored))'")
  }
  static func checkpointPreprocessing(_ path: String, _ problem: String) -> Self {
    Self(.checkpointPreprocessing, path: path, problem,
         help: "the checkpoint must hold the statistics its run normalized with; use a checkpoint dlc wrote for this spec")
  }
  static func checkpointTensor(_ path: String, _ tensor: String, _ problem: String) -> Self {
    Self(.checkpointTensor, path: path, "tensor '\(excerpt(tensor))' does not fit: \(problem)")
  }
  static func checkpointTruncated(_ path: String, _ needed: Int, _ available: Int) -> Self {
    Self(.checkpointTruncated, path: path,
         "the file is truncated: its tensors need \(needed) data bytes, it has \(available)")
  }
  static func checkpointWrite(_ path: String, _ reason: String) -> Self {
    Self(.checkpointWriteFailed, path: path, "cannot write the checkpoint: \(reason)")
  }

  // MARK: data.*

  static func classLabel(_ path: String, line: Int? = nil, column: Int? = nil, _ place: String, _ text: String, classes: Int?) -> Self {
    let range = classes.map { "0..<\($0)" } ?? "0, 1, 2, …"
    return Self(.classLabel, path: path, line: line, column: column,
                "\(place) holds '\(excerpt(text))', which is not a class index in \(range)",
                help: "class labels are integers counted from 0")
  }
  static func columnNotFound(_ path: String, _ name: String, role: String? = nil, _ columns: [String]) -> Self {
    let shown = columns.prefix(8).map { "'\(excerpt($0))'" }.joined(separator: ", ") + (columns.count > 8 ? ", …" : "")
    return Self(.columnNotFound, path: path, line: 1,
                "the header has no column '\(excerpt(name))'" + (role.map { " (\($0))" } ?? ""),
                help: "the columns are \(shown)")
  }
  static func csvSyntax(_ path: String, line: Int, column: Int, _ problem: String) -> Self {
    Self(.csvSyntax, path: path, line: line, column: column, problem,
         help: "quote a field as \"…\" and write a quote inside it as \"\"")
  }
  static func duplicateColumn(_ path: String, _ name: String, first: Int, second: Int) -> Self {
    Self(.duplicateColumn, path: path, line: 1, column: second,
         "column \(second) of the header has the name '\(excerpt(name))' of column \(first)",
         help: "columns are matched by name: give every column its own name")
  }
  static func emptyCell(_ path: String, line: Int, column: Int, _ place: String) -> Self {
    Self(.emptyCell, path: path, line: line, column: column, "\(place) is empty",
         help: "fill in or drop rows with missing values before training")
  }
  static func emptyFile(_ path: String) -> Self {
    Self(.emptyFile, path: path, "the CSV file is empty", help: "a CSV data file starts with a header row naming its columns")
  }
  static func fileUnreadable(_ path: String, _ reason: String) -> Self {
    Self(.fileUnreadable, path: path, "cannot read '\(path)': \(reason)")
  }
  static func malformedConfig(_ problem: String) -> Self { Self(.malformedConfig, path: "", "the module's data attribute is malformed: \(problem)") }
  static func noRows(_ path: String) -> Self {
    Self(.noRows, path: path, line: 1, "the CSV file has a header but no rows")
  }
  static func noTrainSamples(_ path: String, _ count: Int) -> Self {
    Self(.noTrainSamples, path: path, "the split leaves no training samples out of \(count)",
         help: "lower 'valid' and 'test' in 'data.split'")
  }
  static func nonFinite(_ path: String, line: Int? = nil, column: Int? = nil, _ place: String, _ text: String) -> Self {
    Self(.nonFinite, path: path, line: line, column: column, "\(place) holds '\(excerpt(text))', which is not a finite number",
         help: "replace NaN and infinite values before training")
  }
  static func notANumber(_ path: String, line: Int, column: Int, _ place: String, _ text: String) -> Self {
    Self(.notANumber, path: path, line: line, column: column, "\(place) holds '\(excerpt(text))', which is not a number",
         help: "every feature and target cell must be a decimal number")
  }
  static func npyBigEndian(_ path: String, _ descr: String) -> Self {
    Self(.npyBigEndian, path: path, "the array is big-endian ('\(excerpt(descr))')",
         help: "save it little-endian: numpy.save(path, a.astype(a.dtype.newbyteorder('<')))")
  }
  static func npyDtype(_ path: String, _ descr: String) -> Self {
    Self(.npyDtype, path: path, "the dtype '\(excerpt(descr))' is not supported",
         help: "use float32, float64, int8/16/32/64, uint8/16 or bool")
  }
  static func npyFortranOrder(_ path: String) -> Self {
    Self(.npyFortranOrder, path: path, "the array is in Fortran order",
         help: "save it in C order: numpy.save(path, numpy.ascontiguousarray(a))")
  }
  static func npyHeader(_ path: String, _ problem: String) -> Self {
    Self(.npyHeader, path: path, "not a valid NPY file: \(problem)")
  }
  static func npySampleCount(_ path: String, _ count: Int, _ otherPath: String, _ otherCount: Int) -> Self {
    Self(.npySampleCount, path: path, "the array has \(count) samples, but '\(otherPath)' has \(otherCount)",
         help: "the first dimension of x and y counts the samples; they must agree")
  }
  static func npyShape(_ path: String, _ shape: [Int], _ expected: String) -> Self {
    Self(.npyShape, path: path, "the array's shape \(shapeText(shape)) does not match \(expected)")
  }
  static func npyTooLarge(_ path: String, _ problem: String) -> Self {
    Self(.npyTooLarge, path: path, problem, help: "the header's 'shape' does not describe the data in the file")
  }
  static func npyTruncated(_ path: String, _ needed: Int, _ available: Int) -> Self {
    Self(.npyTruncated, path: path, "the file is truncated: its shape needs \(needed) data bytes, it has \(available)")
  }
  static func probabilityNormalization(_ path: String, _ normalize: String) -> Self {
    Self(.probabilityNormalization, path: path,
         "'normalize: \(normalize)' gives values outside [0, 1], which 'bce_with_logits' cannot reconstruct",
         help: "use 'normalize: minmax', which maps the train split into [0, 1]")
  }
  static func probabilityTarget(_ path: String, sample: Int, feature: Int, value: Float) -> Self {
    Self(.probabilityTarget, path: path,
         "sample \(sample) holds \(value) in feature \(feature), outside [0, 1]: 'bce_with_logits' reconstructs probabilities",
         help: "use 'normalize: minmax', which maps the train split into [0, 1], or the loss 'mse'")
  }
  static func raggedRow(_ path: String, line: Int, column: Int, fields: Int, columns: Int) -> Self {
    Self(.raggedRow, path: path, line: line, column: column,
         "the row has \(fields) field\(fields == 1 ? "" : "s"), the header has \(columns) columns")
  }
  static func targetColumns(_ path: String, _ count: Int) -> Self {
    Self(.targetColumns, path: path, line: 1, "classification takes one target column, found \(count)")
  }

  // MARK: package.*

  public static func packageNotEmpty(_ path: String, marker: String) -> Self {
    Self(.packageNotEmpty, path: path,
         "the folder is not empty and holds no package dlc wrote (no '\(marker)'), so its files would be overwritten",
         help: "give an empty or new folder, or '--force' to write into this one")
  }

  // MARK: path.*

  static func pathEmpty(_ option: String, _ kind: PathCheck.Kind) -> Self {
    Self(.pathEmpty, path: "", "'\(option)' is empty", help: "give \(kind.noun); '.' is the current folder")
  }
  static func pathIsFolder(_ path: String, _ option: String) -> Self {
    Self(.pathIsFolder, path: path, "'\(option)' names a folder, not a file", help: "give a file's path")
  }
  static func pathIsRoot(_ option: String) -> Self {
    Self(.pathIsRoot, path: "/", "'\(option)' is the file system's root", help: "give a folder of its own, such as 'runs'")
  }
  static func pathMissingFolder(_ path: String, _ folder: String, _ option: String) -> Self {
    Self(.pathMissingFolder, path: path, "the folder '\(excerpt(folder))' of '\(option)' does not exist",
         help: "create it first, or give a path in an existing folder")
  }
  static func pathNotFolder(_ path: String, _ option: String) -> Self {
    Self(.pathNotFolder, path: path, "'\(option)' names a file, not a folder", help: "give a folder's path")
  }
  static func pathNotFound(_ path: String, _ option: String) -> Self {
    Self(.pathNotFound, path: path, "the file of '\(option)' does not exist")
  }
  static func pathParentIsFile(_ path: String, _ folder: String, _ option: String) -> Self {
    Self(.pathParentIsFile, path: path, "'\(excerpt(folder))' in the path of '\(option)' is a file, not a folder")
  }
  static func pathUnreadable(_ path: String, _ option: String, _ reason: String) -> Self {
    Self(.pathUnreadable, path: path, "cannot read the file of '\(option)': \(reason)")
  }
  public static func pathWrite(_ path: String, _ reason: String) -> Self {
    Self(.pathWriteFailed, path: path, "cannot write: \(reason)")
  }

  // MARK: run.*

  static func runExists(_ path: String, _ files: [String]) -> Self {
    Self(.runExists, path: path, "the folder holds an earlier run (" + files.joined(separator: ", ") + ")",
         help: "give '--overwrite' to replace it, '--resume' to continue it, or another '--out'")
  }
  static func runFinished(_ path: String, _ why: String, help: String) -> Self {
    Self(.runFinished, path: path, "cannot resume: the run is finished: \(why)", help: help)
  }
  static func runLockFile(_ path: String, _ reason: String) -> Self {
    Self(.runLockFile, path: path, "cannot create the lock file of the run folder: \(reason)",
         help: "give an '--out' folder that can be written to")
  }
  static func runLocked(_ path: String, _ lock: String) -> Self {
    Self(.runLocked, path: path, "another training is writing to this run folder (it holds the lock '\(lock)')",
         help: "wait for it to finish, or give another '--out'")
  }
  static func runSeed(_ path: String, saved: UInt64, given: UInt64) -> Self {
    Self(.runSeed, path: path, "cannot resume with seed \(given): the run was trained with seed \(saved) ('dlc.seed'), and another seed would draw another split mid-run",
         help: "resume with '--seed \(saved)' (or without '--seed' when the spec's seed is \(saved)), or start a new run with '--overwrite'")
  }
  static func runStep(_ path: String, step: Int, epoch: Int, expected: String) -> Self {
    Self(.runStep, path: path, "the metadata field 'dlc.step' is \(step), but \(epoch) epochs of this data take \(expected) steps",
         help: "the checkpoint was written with other data or edited; resume with the data it was trained on, or start a new run with '--overwrite'")
  }

  // MARK: runlog.*

  static func runLogWrite(_ path: String, _ reason: String) -> Self {
    Self(.runlogWriteFailed, path: path, "cannot write the run log: \(reason)")
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
